"""The admin: releases, accounts and rebuilds, as a JSON API and as the dashboard's pages.

- feature.py     setup(app): the routes of the three below
- api.py         /api/admin: the routes; builds and settings
- releases.py    drafts and releases; promoting, unpublishing (-> a rebuild)
- user_admin.py  accounts: list, add, change, delete
- pages.py       the dashboard at /admin: releases, builds, users (forms over the same calls)
- previews.py    /admin/preview/<slug>/: a release built alone by the build worker
- schema.py      this feature's migration set (no table yet)
- templates/     index.html, build.html, users.html (rendered as "admin/...")
"""
