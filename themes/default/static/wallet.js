// Buying a paid release with a browser wallet: EIP-6963 discovery (window.ethereum as a fallback),
// EIP-1193 requests, Sign-In with Ethereum to prove the payer, then the daemon's download links.
// Without JavaScript or a wallet the page links to the daemon's manual payment page instead.
(() => {
  "use strict";
  const t = (message, vars) => window.TuneCamp.t(message, vars);
  const wallets = new Map();
  window.addEventListener("eip6963:announceProvider", (event) => {
    if (event.detail && event.detail.info && event.detail.provider) wallets.set(event.detail.info.uuid, event.detail);
  });
  window.dispatchEvent(new Event("eip6963:requestProvider"));

  const provider = () => {
    const announced = wallets.values().next().value;
    return announced ? announced.provider : window.ethereum;
  };
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  const hex = (text) => "0x" + Array.from(new TextEncoder().encode(text), (b) => b.toString(16).padStart(2, "0")).join("");

  async function call(daemon, path, body) {
    const response = await fetch(daemon + path, {
      method: body ? "POST" : "GET",
      headers: body ? { "Content-Type": "application/json" } : {},
      body: body ? JSON.stringify(body) : undefined,
    });
    const data = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(data.error || response.statusText);
    return { status: response.status, data, retry: Number(response.headers.get("Retry-After") || 5) };
  }

  function show(box, downloads, receipt) {
    const result = box.querySelector("[data-buy-result]");
    const list = document.createElement("ul");
    list.className = "download-list";
    for (const d of downloads) {
      const item = document.createElement("li");
      const link = document.createElement("a");
      link.href = d.url;
      link.className = "download-link";
      link.setAttribute("download", "");
      link.setAttribute("data-no-swap", "");
      link.textContent = d.kind === "zip" ? `${d.format} (zip)` : `${d.name} (${d.format})`;
      item.append(link);
      list.append(item);
    }
    const keep = document.createElement("p");
    keep.textContent = t("Your receipt (keep it to download again later, without an account):");
    const text = document.createElement("textarea");
    text.readOnly = true;
    text.rows = 3;
    text.value = receipt;
    text.setAttribute("data-receipt", "");
    result.replaceChildren(list, keep, text);
    try { localStorage.setItem(`tunecamp-receipt:${box.dataset.release}`, receipt); } catch (_) { /* private mode */ }
  }

  async function buy(button) {
    const box = button.closest("[data-buy-box]");
    const status = box.querySelector("[data-buy-status]");
    const say = (text) => { status.textContent = text; };
    const daemon = box.dataset.daemon, release = box.dataset.release;
    const eth = provider();
    if (!eth) { say(t("No browser wallet found: use the manual payment page below.")); return; }
    button.disabled = true;
    try {
      const offer = (await call(daemon, `/api/payments/releases/${release}`)).data;
      const [from] = await eth.request({ method: "eth_requestAccounts" });
      const chain = parseInt(await eth.request({ method: "eth_chainId" }), 16);
      if (chain !== offer.chain_id) {
        await eth.request({ method: "wallet_switchEthereumChain", params: [{ chainId: "0x" + offer.chain_id.toString(16) }] });
      }
      say(t("Confirm the payment in your wallet…"));
      const tx = await eth.request({
        method: "eth_sendTransaction",
        params: [{ from, to: offer.contract, value: "0x" + BigInt(offer.price_wei).toString(16), data: offer.purchase_data }],
      });
      say(t("Paid. Sign the message that proves it was you…"));
      const { message } = (await call(daemon, "/api/payments/nonce", { address: from, release })).data;
      const signature = await eth.request({ method: "personal_sign", params: [hex(message), from] });
      for (let attempt = 0; attempt < 120; attempt += 1) {
        const answer = await call(daemon, "/api/payments/verify", { release, tx_hash: tx, message, signature });
        if (answer.status === 200) {
          say(t("Thank you! Your downloads:"));
          show(box, answer.data.downloads, answer.data.receipt);
          return;
        }
        say(t("Waiting for the payment to be confirmed (%(reason)s)…", { reason: answer.data.reason || t("pending") }));
        await sleep(answer.retry * 1000);
      }
      say(t("The payment is not confirmed yet: keep this page open and try again in a minute."));
    } catch (error) {
      say(t("Not bought: %(error)s", { error: error && error.message ? error.message : error }));
    } finally {
      button.disabled = false;
    }
  }

  document.addEventListener("click", (event) => {
    const button = event.target.closest && event.target.closest("[data-buy]");
    if (button) { event.preventDefault(); buy(button); }
  });
})();
