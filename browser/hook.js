// cookiescope's recording hook. It runs in every document before the page's
// own scripts and reports each cookie write by calling a console method saved
// now, with a per-run secret first: Chrome sends the call to us as
// Runtime.consoleAPICalled with a stack V8 captured itself, which page script
// can neither format nor shorten (docs/attribution.md). The write then
// proceeds unchanged. Everything the hook uses is taken before page script
// runs, and the wrappers look like the natives they replace.
(() => {
  // The binding is a once-per-document latch: the hook runs only where the
  // recorder installed it, and only once.
  const latch = globalThis["__BINDING__"];
  if (typeof latch !== "function") return;
  try { delete globalThis["__BINDING__"]; } catch (e) {}

  const secret = "__SECRET__";
  const apply = Reflect.apply;
  const trace = console.trace;
  const defineProperty = Object.defineProperty;
  const getOwnPropertyDescriptor = Object.getOwnPropertyDescriptor;
  const create = Object.create;
  const weakMapGet = WeakMap.prototype.get;
  const weakMapSet = WeakMap.prototype.set;
  const nativeToString = Function.prototype.toString;
  const loc = location;
  // A window's Location has href on itself; a worker's on its prototype.
  const hrefGetter = (getOwnPropertyDescriptor(loc, "href") || getOwnPropertyDescriptor(Object.getPrototypeOf(loc), "href")).get;
  const hasDocument = typeof Document === "function";
  const documentURL = hasDocument ? getOwnPropertyDescriptor(Document.prototype, "URL").get : undefined;

  // Function.prototype.toString prints each wrapper as its native did.
  const masks = new WeakMap();
  const mask = (wrapper, native, name) => {
    apply(weakMapSet, masks, [wrapper, apply(nativeToString, native, [])]);
    defineProperty(wrapper, "name", { value: name, configurable: true });
  };
  const toString = {
    toString() {
      const masked = apply(weakMapGet, masks, [this]);
      return masked !== undefined ? masked : apply(nativeToString, this, arguments);
    },
  }.toString;
  mask(toString, nativeToString, "toString");
  defineProperty(Function.prototype, "toString", { value: toString, writable: true, enumerable: false, configurable: true });

  // report hands one write to the recorder, with the URL of the document
  // written to. The arguments are strings, so nothing of the page runs
  // while they are serialised.
  const report = (kind, url, a, b, c, d, e, f, g, h) => {
    try { apply(trace, undefined, [secret, kind, url, a, b, c, d, e, f, g, h]); } catch (err) {}
  };
  const here = () => apply(hrefGetter, loc, []);
  // The document a setter was applied to: a page can take the setter of
  // another window (an about:blank iframe's) and apply it to its own.
  const urlOf = (doc) => {
    try { return apply(documentURL, doc, []); } catch (err) { return here(); }
  };

  const desc = hasDocument ? getOwnPropertyDescriptor(Document.prototype, "cookie") : undefined;
  if (desc && desc.set && desc.configurable) {
    const set = desc.set;
    const wrapper = {
      cookie(v) {
        const s = `${v}`;
        report("document.cookie", urlOf(this), s, "", "", "", "", "", "", "");
        return apply(set, this, [s]);
      },
    }.cookie;
    mask(wrapper, set, "set cookie");
    defineProperty(Document.prototype, "cookie", { configurable: true, enumerable: desc.enumerable, get: desc.get, set: wrapper });
  }

  if (typeof CookieStore === "function") {
    const proto = CookieStore.prototype;
    // text converts an optional member as WebIDL would, once.
    const text = (x) => (x === undefined || x === null ? x : `${x}`);
    const number = (x) => (x === undefined || x === null ? x : +x);
    // options reads each member of a cookieStore argument once, in WebIDL's
    // order, into an object without a prototype: the same values go to the
    // report and to Chrome.
    const options = (a) => {
      const o = create(null);
      const domain = a.domain, expires = a.expires, maxAge = a.maxAge, name = a.name;
      const partitioned = a.partitioned, path = a.path, sameSite = a.sameSite, value = a.value;
      if (domain !== undefined) o.domain = text(domain);
      if (expires !== undefined) o.expires = number(expires);
      if (maxAge !== undefined) o.maxAge = number(maxAge);
      if (name !== undefined) o.name = text(name);
      if (partitioned !== undefined) o.partitioned = !!partitioned;
      if (path !== undefined) o.path = text(path);
      if (sameSite !== undefined) o.sameSite = text(sameSite);
      if (value !== undefined) o.value = text(value);
      return o;
    };
    const describe = (o) => [
      o.name === undefined ? "" : o.name,
      o.value === undefined || o.value === null ? "" : o.value,
      o.domain === undefined || o.domain === null ? "" : o.domain,
      o.path === undefined || o.path === null ? "" : o.path,
      o.expires === undefined || o.expires === null ? "" : `${o.expires}`,
      o.maxAge === undefined || o.maxAge === null ? "" : `${o.maxAge}`,
      o.sameSite === undefined || o.sameSite === null ? "" : o.sameSite,
      o.partitioned ? "partitioned" : "",
    ];
    const nativeSet = proto.set;
    if (typeof nativeSet === "function") {
      const wrapper = {
        set(a) {
          let args;
          if (a !== null && typeof a === "object") {
            const o = options(a);
            args = [o];
            const d = describe(o);
            report("cookieStore.set", here(), d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7]);
          } else if (arguments.length >= 2) {
            const name = `${a}`, value = `${arguments[1]}`;
            args = [name, value];
            report("cookieStore.set", here(), name, value, "", "", "", "", "", "");
          } else {
            // One argument that is no object: Chrome rejects it as it is.
            args = [a];
            report("cookieStore.set", here(), "", "", "", "", "", "", "", "");
          }
          return apply(nativeSet, this, args);
        },
      }.set;
      mask(wrapper, nativeSet, "set");
      defineProperty(proto, "set", { value: wrapper, writable: true, enumerable: true, configurable: true });
    }
    const nativeDelete = proto.delete;
    if (typeof nativeDelete === "function") {
      const wrapper = {
        delete(a) {
          let args;
          if (a !== null && typeof a === "object") {
            const o = options(a);
            args = [o];
            const d = describe(o);
            report("cookieStore.delete", here(), d[0], "", d[2], d[3], "", "", "", d[7]);
          } else {
            const name = `${a}`;
            args = [name];
            report("cookieStore.delete", here(), name, "", "", "", "", "", "", "");
          }
          return apply(nativeDelete, this, args);
        },
      }.delete;
      mask(wrapper, nativeDelete, "delete");
      defineProperty(proto, "delete", { value: wrapper, writable: true, enumerable: true, configurable: true });
    }
  }
})();
