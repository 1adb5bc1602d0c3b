"""The federation feature: ActivityPub inboxes, keys, WebFinger, NodeInfo, delivery and moderation.

- feature.py: `setup(app)`: the discovery routes, the start (keys, blocks, the signed GETs), the parts composed;
- service.py: `Federation`, the feature's state in app state, and the moderation calls of the dashboard;
- schema.py: the migration set `tunecamp.federation` (keys, remote actors, followers, likes,
  boosts, comments, blocks, flags; the delivery tables are appended by queue_schema.py;
  then fed_following, the follows sent; then the outbox's columns);
- keys.py: one RSA key per local actor, kept in the database, the public ones exported for the site;
- signatures.py: HTTP signatures verified: the scheme a request uses, its key id, `verify`;
- signed.py: what both schemes' checks share (the request, the outcomes, the clock) and the primitives signing.py uses;
- cavage.py and rfc9421.py: each scheme's check; sigbase.py: RFC 9421 signature bases of the common profile, built directly;
- signing.py: signing outgoing requests in both formats;
- remote.py: remote actors and their keys, fetched through the outbound client and cached;
- proofs.py: FEP-8b32 object integrity proofs, for activities a relay forwards;
- ld_signatures.py: older relays' RsaSignature2017, normalised with the bundled contexts/ only;
- manifest.py: the site's actors and release notes, read from public/ap/manifest.json;
- webfinger.py and nodeinfo.py: the discovery endpoints;
- inbox.py: the inbox routes (reading, verifying, blocks, de-duplication) and the collections;
- activities.py: what each verified activity does (Follow, Like, Announce, Create, Delete...);
- moderation.py: the store of followers, reactions, comments, blocks and flags the dashboard calls;
- export.py: data/federation/interactions.json for the generator, and the rebuild it asks for.
- audience.py: who receives a local actor's activities (one inbox per server), and 410 Gone;
- outbox.py and queue_schema.py: what is to be sent (fed_activities), handed to the jobs engine;
- delivery.py: the `federation.deliver` jobs' handler: signs and POSTs, Retry or Fail, per-host limits;
- sending.py: how one delivery goes out: signed with its actor's current key, POSTed, 410 Gone;
- publishing.py: after a build, the manifest against what was delivered: Create, Announce, Update, Delete;
- following.py: the label's outgoing follows (Follow, the Accept or Reject, Undo), handed to discovery as appkeys.FOLLOWS;
- notes.py: an artist's notes that are not releases (live's "live now"), handed over as appkeys.ANNOUNCE;
- move.py: key rotation's Update{Person} and an artist's Move to another account;
- dashboard.py: the pages under /admin/federation (templates/); following_page.py: its Following page;
  deliveries_page.py: its Deliveries page (the jobs engine's failures of the kind, retried);
- commands.py: `tunecamp keys ensure|rotate` and `tunecamp federation move`.
"""
