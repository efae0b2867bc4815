package browser

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestDataURLsAndLongPageTextDoNotBloatTheReport(t *testing.T) {
	target := inspectLab(t, "/bloat", LoadOptions{})
	findCookie(t, target, "bloat")
	sawData, sawBlob, sawLong := false, false, false
	for _, r := range target.Requests {
		sawData = sawData || strings.HasPrefix(r.URL, "data:image/png;base64,… (600")
		sawBlob = sawBlob || strings.HasPrefix(r.URL, "blob:https://app.test:")
		sawLong = sawLong || strings.Contains(r.URL, "… (20") && strings.Contains(r.URL, "/app.js?pad=")
	}
	if !sawData || !sawBlob || !sawLong {
		var urls []string
		for _, r := range target.Requests {
			urls = append(urls, r.URL[:min(len(r.URL), 80)])
		}
		t.Errorf("data: summarised %v, blob: %v, long URL cut %v; requests %q", sawData, sawBlob, sawLong, urls)
	}
	if len(target.Dialogs) != 1 || len(target.Dialogs[0].Message) > 1100 || !strings.HasSuffix(target.Dialogs[0].Message, "(5000 characters)") {
		t.Errorf("dialogs %d, the first %d bytes long", len(target.Dialogs), len(target.Dialogs[0].Message))
	}
	// The whole report of the page: the 60,000-character image, the
	// 20,000-character URL and the 5,000-character alert are not in it.
	data, err := json.Marshal(target)
	if err != nil {
		t.Fatal(err)
	}
	if len(data) > 60000 || strings.Contains(string(data), strings.Repeat("A", 1000)) {
		t.Errorf("the target's JSON is %d bytes long", len(data))
	}
}
