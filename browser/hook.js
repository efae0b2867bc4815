// cookiescope's recording hook. It runs in every document before the page's
// own scripts, reports each cookie write through a CDP binding, and then lets
// the write proceed unchanged: the page must not be able to tell it is here.
(() => {
  const binding = globalThis["__BINDING__"];
  if (typeof binding !== "function") return;
  // The binding stays reachable from this closure; the page never sees it.
  try { delete globalThis["__BINDING__"]; } catch (e) {}
  const send = (kind, value) => {
    try {
      binding(JSON.stringify({ kind, value, href: location.href, stack: new Error().stack }));
    } catch (e) {}
  };
  const desc = Object.getOwnPropertyDescriptor(Document.prototype, "cookie");
  if (desc && desc.set && desc.configurable) {
    const set = desc.set;
    Object.defineProperty(Document.prototype, "cookie", {
      configurable: true,
      enumerable: desc.enumerable,
      get: desc.get,
      set: { cookie(v) { const s = String(v); send("document.cookie", s); return set.call(this, s); } }.cookie,
    });
  }
  if (typeof CookieStore === "function") {
    const proto = CookieStore.prototype;
    const describe = (a, b) => (a !== null && typeof a === "object") ? Object.assign({}, a) : { name: String(a), value: b === undefined ? undefined : String(b) };
    const wrap = (name, kind) => {
      const orig = proto[name];
      if (typeof orig !== "function") return;
      proto[name] = { [name](a, b) { send(kind, describe(a, b)); return orig.apply(this, arguments); } }[name];
    };
    wrap("set", "cookieStore.set");
    wrap("delete", "cookieStore.delete");
  }
})();
//# sourceURL=cookiescope-hook.js
