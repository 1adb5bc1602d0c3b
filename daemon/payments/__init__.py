"""The payments feature: buying a release on chain, verified by the daemon.

- feature.py: setup(app): the routes, the chain (at first use), receipts
- chain.py: the node or the embedded demo chain (eth-tester), the contract's artifacts
- artifacts/: the compiled contracts (contracts/compile.py writes them; a test checks them)
- verify.py: a transaction hash -> a verified purchase of a release by an address
- signin.py: Sign-In with Ethereum over one-time nonces: the buyer bound to the request
- receipts.py: instance-signed receipts to download again without an account
- releases.py: the paid releases and prices the last build read (an after-build refresher)
- state.py: the feature's state (chain, receipt signer, rate limit)
- api.py: the routes under /api/payments
- schema.py: its migration set, `tunecamp.payments`
"""
