package record

// A session's label says whose events the recorder is told, and so how it
// counts them: the page's own (PageLabel), a popup's, an iframe's, a
// worker's or a service worker's (a prefix and the target's ID).
const (
	// PageLabel is the label of the page's own session.
	PageLabel = "page"
	// PopupLabelPrefix starts the label of a page the target opened.
	PopupLabelPrefix = "popup:"
	// FrameLabelPrefix starts the label of a cross-site iframe's session.
	FrameLabelPrefix = "frame:"
)

// WorkerLabelPrefix starts the label of a worker's session. A dedicated or
// shared worker's requests are recorded but never hold the page's quiet: a
// worker can keep a request open for ever without the page being any less
// loaded.
const WorkerLabelPrefix = "worker:"

// ServiceWorkerLabelPrefix starts the label of a service worker's session
// (which starts with WorkerLabelPrefix too). Its requests hold settling for
// serviceWorkerWait at most: a service worker's requests are the site's own
// (a login or caching worker answering the page), while a dedicated worker
// may hold a request open for ever (an event stream) and costs nothing.
const ServiceWorkerLabelPrefix = WorkerLabelPrefix + "service:"
