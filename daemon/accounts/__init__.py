"""Accounts: who is calling, signing in, and the first Owner.

- feature.py     setup(app): the routes below (the middleware and signer are create_app's)
- sessions.py    Bearer token or cookie -> the caller; CSRF; issuing tokens; the checked sign-in
- tokens.py      JWT access tokens, CSRF tokens, known-device marks, signed with the instance secret
- api.py         /api/auth: login, me, logout-all, password
- pages.py       /admin/login and /admin/logout
- onboarding.py  the one-time setup link that creates the first Owner
- language.py    /admin/account: the account's language for the dashboard (docs/translating.md)
- schema.py      this feature's migration set (account_languages)
- templates/     login.html, setup.html, account.html (rendered as "accounts/...")
"""
