"""Accounts: who is calling, signing in, and the first Owner.

- feature.py     setup(app): the routes below (the middleware and signer are create_app's)
- sessions.py    Bearer token or cookie -> the caller; CSRF; issuing tokens; the checked sign-in
- tokens.py      JWT access tokens, CSRF tokens, known-device marks, signed with the instance secret
- api.py         /api/auth: login, me, logout-all, password
- pages.py       /admin/login and /admin/logout
- onboarding.py  the one-time setup link that creates the first Owner
- schema.py      this feature's migration set
- templates/     login.html, setup.html (rendered as "accounts/...")
"""
