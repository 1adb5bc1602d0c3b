"""The unlock feature: download codes for a release and the protected downloads they open.

- feature.py: setup(app): the routes, the code hasher, the rate limits, the templates
- codes.py: making codes (alphabet, 60 bits), reading them as typed, keyed hashes, CSV
- store.py: the codes in SQLite: batches, listing, revoking, redeeming, the redemption log
- schema.py: its migration set, `tunecamp.unlock`
- limits.py: rate limits on redeeming, per address and per release
- redeem.py: POST /api/unlock/redeem (JSON, or a plain form that lands on the download page)
- files.py: GET /api/unlock/files/<release>/<path>, the private store behind a grant
- library.py: GET /api/unlock/library, the releases an account holds, with fresh links
- manage.py: codes in the admin API and the dashboard (Curators: their artists' releases)
- commands.py: `tunecamp codes generate|list|revoke`
"""
