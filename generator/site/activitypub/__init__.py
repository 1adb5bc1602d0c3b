"""The ActivityPub documents of the site: what the daemon's inbox and deliveries point at.

vocabulary.py  contexts, the addresses every actor shares, dates and JSON bytes
actors.py      Person per artist, Group for the label, Application for the instance
notes.py       the Create{Note} of each listed release, the label's Announce, Audio per track
outbox.py      paged outboxes, newest first, and the featured collection
manifest.py    ap/manifest.json: what the daemon reads to know the actors and the notes
documents.py   which files each unit writes
inputs.py      what the daemon exported: public keys, likes, boosts and approved replies
"""
