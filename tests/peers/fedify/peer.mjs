// A Fedify actor on 127.0.0.1 that TuneCamp's federation tests drive over HTTP.
//   node peer.mjs [--first-knock rfc9421|draft-cavage-http-signatures-12]
// prints "listening <port>" once ready. The actor is /users/peer; the test drives it with
//   POST /control/follow {handle}  POST /control/undo {handle}  POST /control/reply {note, content}
//   POST /control/fetch {url}      POST /control/get {url}   GET /control/inbox (what its inbox received and answered)
//   POST /control/signld {activity}: the activity with the actor's RsaSignature2017, as a relay forwards it
//   POST /control/accept {follow?}  POST /control/reject {follow?}: answer a Follow it received (the
//     last one unless its id is given) with an Accept or Reject embedding it; it never answers by itself
import http from "node:http";
import { createFederation, generateCryptoKeyPair, MemoryKvStore } from "@fedify/fedify";
import { signJsonLd } from "@fedify/fedify/sig";
import { Accept, Announce, Create, Delete, Endpoints, Follow, Mention, Note, Person, PUBLIC_COLLECTION, Reject, Undo, Update } from "@fedify/vocab";

const knock = process.argv.includes("--first-knock") ? process.argv[process.argv.indexOf("--first-knock") + 1] : "rfc9421";
// WebFinger for acct: handles is always https; loopback has no TLS, so the peer speaks http to 127.0.0.1.
const plainFetch = globalThis.fetch;
globalThis.fetch = (input, init) => {
  const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
  return url.startsWith("https://127.0.0.1") ? plainFetch(url.replace("https://", "http://"), init) : plainFetch(input, init);
};

const keys = await generateCryptoKeyPair("RSASSA-PKCS1-v1_5");
const received = [];   // verified activities, as JSON-LD
const requests = [];   // every POST to an inbox: the signature format it carried and our answer
const following = new Map();  // handle -> {actor, follow}
const followsIn = [];  // the Follows received, answered by /control/accept and /control/reject
const fed = createFederation({ kv: new MemoryKvStore(), allowPrivateAddress: true, firstKnock: knock });

fed.setActorDispatcher("/users/{identifier}", async (ctx, identifier) => identifier !== "peer" ? null : new Person({
  id: ctx.getActorUri(identifier), preferredUsername: identifier, name: "Fedify peer",
  inbox: ctx.getInboxUri(identifier), endpoints: new Endpoints({ sharedInbox: ctx.getInboxUri() }),
  publicKey: (await ctx.getActorKeyPairs(identifier))[0]?.cryptographicKey,
})).setKeyPairsDispatcher(async (_ctx, identifier) => identifier === "peer" ? [keys] : []);

const keep = async (_ctx, activity) => { received.push(await activity.toJsonLd()); };
fed.setInboxListeners("/users/{identifier}/inbox", "/inbox")
  .on(Accept, keep).on(Reject, keep).on(Create, keep).on(Update, keep).on(Delete, keep)
  .on(Announce, keep).on(Undo, keep).on(Follow, async (ctx, follow) => { await keep(ctx, follow); followsIn.push(follow); });

async function answerFollow(ctx, Kind, name, followId) {
  const follow = followId ? followsIn.find((f) => f.id?.href === followId) : followsIn.at(-1);
  if (follow == null) throw new Error(`no Follow ${followId ?? ""} received`);
  const follower = await ctx.lookupObject(follow.actorId.href);
  if (follower == null) throw new Error(`cannot fetch ${follow.actorId.href}`);
  const answer = new Kind({ id: new URL(`#${name}-${Date.now()}`, ctx.getActorUri("peer")), actor: ctx.getActorUri("peer"), object: follow });
  await ctx.sendActivity({ identifier: "peer" }, follower, answer);
  return { id: answer.id.href, follow: follow.id.href, to: follower.id.href };
}

const ctxFor = (req) => fed.createContext(new URL(`http://${req.headers.host}/`), undefined);
const control = {
  async follow(ctx, { handle }) {
    const actor = await ctx.lookupObject(handle);
    if (actor == null) throw new Error(`no actor at ${handle}`);
    const follow = new Follow({ id: new URL(`#follow-${Date.now()}`, ctx.getActorUri("peer")), actor: ctx.getActorUri("peer"), object: actor.id });
    following.set(handle, { actor, follow });
    await ctx.sendActivity({ identifier: "peer" }, actor, follow);
    return { actor: actor.id.href, inbox: actor.inboxId?.href, follow: follow.id.href };
  },
  async undo(ctx, { handle }) {
    const { actor, follow } = following.get(handle);
    await ctx.sendActivity({ identifier: "peer" }, actor, new Undo({ id: new URL(`#undo-${Date.now()}`, ctx.getActorUri("peer")), actor: ctx.getActorUri("peer"), object: follow }));
    return { undone: follow.id.href };
  },
  async reply(ctx, { note, content }) {
    const original = await ctx.lookupObject(note);
    const author = await original.getAttribution();
    const id = new URL(`/notes/${Date.now()}`, ctx.getActorUri("peer"));
    const reply = new Note({ id, attribution: ctx.getActorUri("peer"), content, replyTarget: original.id, to: PUBLIC_COLLECTION, ccs: [author.id], tags: [new Mention({ href: author.id })] });
    await ctx.sendActivity({ identifier: "peer" }, author, new Create({ id: new URL(`${id.href}/activity`), actor: ctx.getActorUri("peer"), object: reply, to: PUBLIC_COLLECTION, ccs: [author.id] }));
    return { id: id.href };
  },
  async fetch(ctx, { url }) {
    const found = await ctx.lookupObject(url);
    return found == null ? null : await found.toJsonLd();
  },
  async signld(ctx, { activity }) {
    const [pair] = await ctx.getActorKeyPairs("peer");
    return await signJsonLd(activity, keys.privateKey, pair.keyId, {});
  },
  async accept(ctx, { follow }) { return await answerFollow(ctx, Accept, "accept", follow); },
  async reject(ctx, { follow }) { return await answerFollow(ctx, Reject, "reject", follow); },
  async get(_ctx, { url }) {  // a plain GET, as a client playing an attachment would
    const response = await fetch(url);
    const bytes = (await response.arrayBuffer()).byteLength;
    return { status: response.status, type: response.headers.get("content-type"), bytes };
  },
};

const server = http.createServer(async (req, res) => {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  const body = Buffer.concat(chunks);
  const reply = (status, data) => { res.writeHead(status, { "content-type": "application/json" }); res.end(JSON.stringify(data)); };
  try {
    if (req.url === "/control/inbox") return reply(200, { received, requests });
    if (req.url.startsWith("/control/")) {
      const ctx = ctxFor(req);
      return reply(200, await control[req.url.slice(9)](ctx, JSON.parse(body.toString() || "{}")));
    }
    const request = new Request(`http://${req.headers.host}${req.url}`, { method: req.method, headers: req.headers, body: ["GET", "HEAD"].includes(req.method) ? undefined : body });
    const response = await fed.fetch(request, { contextData: undefined });
    if (req.method === "POST") requests.push({ path: req.url, status: response.status, format: req.headers["signature-input"] ? "rfc9421" : req.headers.signature ? "cavage" : "none" });
    res.writeHead(response.status, Object.fromEntries(response.headers));
    res.end(Buffer.from(await response.arrayBuffer()));
  } catch (error) {
    reply(500, { error: String(error?.stack ?? error) });
  }
});
server.listen(0, "127.0.0.1", () => console.log(`listening ${server.address().port}`));
