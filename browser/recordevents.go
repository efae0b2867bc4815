package browser

import (
	"fmt"
	"strings"

	jsonv2 "github.com/chromedp/cdproto/cdp/jsonv2"
	"github.com/chromedp/cdproto/inspector"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/cdproto/serviceworker"

	"github.com/cookiescope/cookiescope/browser/record"
	"github.com/cookiescope/cookiescope/inspect"
)

// recordEvent converts one of Chrome's DevTools events into the recorder's
// own (package record): the one place that knows both. ok is false for an
// event the recorder does not record.
func recordEvent(ev any) (out record.Event, ok bool) {
	switch ev := ev.(type) {
	case *network.EventRequestWillBeSent:
		return requestWillBeSent(ev), true
	case *network.EventRequestWillBeSentExtraInfo:
		return requestExtraInfo(ev), true
	case *network.EventResponseReceived:
		return record.ResponseReceived{RequestID: string(ev.RequestID)}, true
	case *network.EventLoadingFinished:
		return record.LoadingFinished{RequestID: string(ev.RequestID)}, true
	case *network.EventLoadingFailed:
		return record.LoadingFinished{RequestID: string(ev.RequestID)}, true
	case *network.EventResponseReceivedExtraInfo:
		return responseExtraInfo(ev), true
	case *serviceworker.EventWorkerVersionUpdated:
		var vs record.ServiceWorkerVersions
		for _, v := range ev.Versions {
			if v != nil {
				vs.Versions = append(vs.Versions, record.ServiceWorkerVersion{ID: v.VersionID, Script: v.ScriptURL, Status: string(v.Status), Running: string(v.RunningStatus)})
			}
		}
		return vs, true
	case *page.EventFrameAttached:
		return record.FrameAttached{FrameID: string(ev.FrameID), ParentID: string(ev.ParentFrameID)}, true
	case *page.EventFrameStartedLoading:
		return record.FrameLoading{FrameID: string(ev.FrameID), Started: true}, true
	case *page.EventFrameStoppedLoading:
		return record.FrameLoading{FrameID: string(ev.FrameID)}, true
	case *page.EventFrameDetached:
		return record.FrameDetached{FrameID: string(ev.FrameID), Swapped: ev.Reason == page.FrameDetachedReasonSwap}, true
	case *page.EventLifecycleEvent:
		return record.Lifecycle{Name: ev.Name, LoaderID: string(ev.LoaderID)}, true
	case *page.EventFrameNavigated:
		if ev.Frame == nil {
			return nil, false
		}
		return record.FrameNavigated{FrameID: string(ev.Frame.ID), ParentID: string(ev.Frame.ParentID), LoaderID: string(ev.Frame.LoaderID), URL: ev.Frame.URL}, true
	case *inspector.EventTargetCrashed:
		return record.TargetCrashed{}, true
	case *runtime.EventConsoleAPICalled:
		return consoleCall(ev), true
	}
	return nil, false
}

func requestWillBeSent(ev *network.EventRequestWillBeSent) record.RequestWillBeSent {
	out := record.RequestWillBeSent{RequestID: string(ev.RequestID), LoaderID: string(ev.LoaderID), FrameID: string(ev.FrameID), Type: string(ev.Type),
		Initiator: describeInitiator(ev.Initiator), Redirected: ev.RedirectResponse != nil,
		BrowserInitiated: ev.Initiator == nil || ev.Initiator.Type == network.InitiatorTypeOther && ev.Initiator.URL == ""}
	if ev.Request != nil {
		out.HasRequest, out.URL, out.Method = true, ev.Request.URL, ev.Request.Method
	}
	return out
}

func requestExtraInfo(ev *network.EventRequestWillBeSentExtraInfo) record.RequestExtraInfo {
	out := record.RequestExtraInfo{RequestID: string(ev.RequestID)}
	for name, v := range ev.Headers {
		if s, ok := v.(string); ok && strings.EqualFold(name, "cookie") {
			out.CookieHeader = s
		}
	}
	for _, ac := range ev.AssociatedCookies {
		if ac == nil || ac.Cookie == nil {
			continue
		}
		c := record.AssociatedCookie{Name: ac.Cookie.Name, Value: ac.Cookie.Value, Domain: ac.Cookie.Domain, Path: ac.Cookie.Path}
		if ac.Cookie.PartitionKey != nil {
			c.PartitionKey = ac.Cookie.PartitionKey.TopLevelSite
		}
		if ac.ExemptionReason != "" && ac.ExemptionReason != network.CookieExemptionReasonNone {
			c.Exemption = string(ac.ExemptionReason)
		}
		for _, reason := range ac.BlockedReasons {
			c.BlockedReasons = append(c.BlockedReasons, string(reason))
		}
		out.Cookies = append(out.Cookies, c)
	}
	return out
}

func responseExtraInfo(ev *network.EventResponseReceivedExtraInfo) record.ResponseExtraInfo {
	out := record.ResponseExtraInfo{RequestID: string(ev.RequestID), Status: int(ev.StatusCode), Headers: map[string]string{}}
	for name, v := range ev.Headers {
		if s, ok := v.(string); ok {
			out.Headers[name] = s
		}
	}
	for _, b := range ev.BlockedCookies {
		if b == nil {
			continue
		}
		blocked := record.BlockedSetCookie{Line: b.CookieLine}
		for _, reason := range b.BlockedReasons {
			blocked.Reasons = append(blocked.Reasons, string(reason))
		}
		out.Blocked = append(out.Blocked, blocked)
	}
	return out
}

func consoleCall(ev *runtime.EventConsoleAPICalled) record.ConsoleCall {
	out := record.ConsoleCall{Trace: ev.Type == runtime.ConsoleAPICalledTypeTrace, Strings: true, Stack: stackTrace(ev.StackTrace)}
	for _, a := range ev.Args {
		var s string
		if a == nil || a.Type != runtime.RemoteObjectTypeString || jsonv2.Unmarshal(a.Value, &s) != nil {
			out.Strings = false
			break
		}
		out.Args = append(out.Args, s)
	}
	return out
}

func stackTrace(st *runtime.StackTrace) *record.StackTrace {
	if st == nil {
		return nil
	}
	out := &record.StackTrace{Description: st.Description, Parent: stackTrace(st.Parent)}
	for _, f := range st.CallFrames {
		if f != nil {
			out.Frames = append(out.Frames, record.StackFrame{ScriptID: string(f.ScriptID), Function: f.FunctionName, URL: f.URL, Line: int(f.LineNumber), Column: int(f.ColumnNumber)})
		}
	}
	return out
}

// describeInitiator says what started a request in one line: Chrome's
// initiator type and, where given, the URL and line (of the document for a
// parser request, of the innermost script frame for a script's).
func describeInitiator(in *network.Initiator) string {
	if in == nil {
		return ""
	}
	out := string(in.Type)
	where := in.URL
	line := int64(in.LineNumber)
	if in.Stack != nil && len(in.Stack.CallFrames) > 0 {
		f := in.Stack.CallFrames[0]
		where, line = f.URL, f.LineNumber
	}
	if where != "" {
		out += " " + inspect.BoundURL(where)
		if line > 0 || in.Type == network.InitiatorTypeParser {
			out += fmt.Sprintf(":%d", line+1)
		}
	}
	return out
}
