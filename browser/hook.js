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
  const defaultView = hasDocument ? getOwnPropertyDescriptor(Document.prototype, "defaultView").get : undefined;
  const PromiseCtor = Promise;
  const promiseReject = Promise.reject;
  const store = typeof cookieStore === "object" ? cookieStore : undefined;

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

  const desc = hasDocument ? getOwnPropertyDescriptor(Document.prototype, "cookie") : undefined;
  if (desc && desc.set && desc.configurable) {
    const set = desc.set;
    const wrapper = {
      cookie(v) {
        // As the native: a receiver that is no document throws before the
        // value is converted.
        const url = apply(documentURL, this, []);
        const line = `${v}`;
        const result = apply(set, this, [line]);
        // Only a write Chrome took is reported: a document without a
        // window (DOMParser, XHR, createHTMLDocument) stores nothing.
        if (apply(defaultView, this, []) !== null) {
          report("document.cookie", url, line, "", "", "", "", "", "", "");
        }
        return result;
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
    // report and to Chrome. A delete reads fewer members.
    const options = (a, forDelete) => {
      const o = create(null);
      const domain = a.domain;
      const expires = forDelete ? undefined : a.expires;
      const maxAge = forDelete ? undefined : a.maxAge;
      const name = a.name, partitioned = a.partitioned, path = a.path;
      const sameSite = forDelete ? undefined : a.sameSite;
      const value = forDelete ? undefined : a.value;
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
    const isObject = (a) => a !== null && (typeof a === "object" || typeof a === "function");
    const blank = (x) => (x === undefined || x === null ? "" : `${x}`);
    // call runs a cookieStore method as the native would be run: an
    // exception while its arguments are read becomes a rejected promise.
    // Only calls on this realm's own store are reported; any other
    // receiver is passed through, and Chrome decides.
    const call = (kind, native, self, args, convert) => {
      let converted;
      try {
        converted = convert(args);
      } catch (err) {
        return apply(promiseReject, PromiseCtor, [err]);
      }
      if (converted.report !== undefined && self === store) {
        const d = converted.report;
        report(kind, here(), d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7]);
      }
      return apply(native, self, converted.args);
    };
    // The overloads, chosen as WebIDL does: two arguments are a name and a
    // value; one object (a function included) is an options dictionary; a
    // missing, null or undefined argument goes to Chrome as it is.
    const setArgs = (args) => {
      const a = args[0];
      if (args.length >= 2) {
        const name = `${a}`, value = `${args[1]}`;
        return { args: [name, value], report: [name, value, "", "", "", "", "", ""] };
      }
      if (args.length === 1 && isObject(a)) {
        const o = options(a, false);
        return { args: [o], report: [blank(o.name), blank(o.value), blank(o.domain), blank(o.path), blank(o.expires), blank(o.maxAge), blank(o.sameSite), o.partitioned ? "partitioned" : ""] };
      }
      return { args: args, report: undefined };
    };
    const deleteArgs = (args) => {
      const a = args[0];
      if (args.length === 0 || a === undefined || a === null) {
        return { args: args, report: undefined };
      }
      if (isObject(a)) {
        const o = options(a, true);
        return { args: [o], report: [blank(o.name), "", blank(o.domain), blank(o.path), "", "", "", o.partitioned ? "partitioned" : ""] };
      }
      const name = `${a}`;
      return { args: [name], report: [name, "", "", "", "", "", "", ""] };
    };
    const nativeSet = proto.set;
    if (typeof nativeSet === "function") {
      const wrapper = {
        set(a) { return call("cookieStore.set", nativeSet, this, arguments, setArgs); },
      }.set;
      mask(wrapper, nativeSet, "set");
      defineProperty(proto, "set", { value: wrapper, writable: true, enumerable: true, configurable: true });
    }
    const nativeDelete = proto.delete;
    if (typeof nativeDelete === "function") {
      const wrapper = {
        delete(a) { return call("cookieStore.delete", nativeDelete, this, arguments, deleteArgs); },
      }.delete;
      mask(wrapper, nativeDelete, "delete");
      defineProperty(proto, "delete", { value: wrapper, writable: true, enumerable: true, configurable: true });
    }
  }
  // A service worker registration: Chrome creates it, and reports it over
  // the ServiceWorker domain, only once its storage has been searched,
  // which can be after the page's load event; this report lets settling
  // wait for it from the call on. The page's promise is returned untouched.
  if (typeof ServiceWorkerContainer === "function") {
    const swProto = ServiceWorkerContainer.prototype;
    const nativeRegister = swProto.register;
    if (typeof nativeRegister === "function") {
      const wrapper = {
        register(a) {
          const result = apply(nativeRegister, this, arguments);
          report("serviceWorker.register", here(), "", "", "", "", "", "", "", "");
          return result;
        },
      }.register;
      mask(wrapper, nativeRegister, "register");
      defineProperty(swProto, "register", { value: wrapper, writable: true, enumerable: true, configurable: true });
    }
  }
})();
