package inspect

import (
	"strings"
	"testing"
)

func TestBoundURLKeepsWhatAReaderNeeds(t *testing.T) {
	font := "data:font/woff2;base64," + strings.Repeat("d09GMgABAAAAA", 4000)
	oauth := "https://idp.test/authorize?client_id=rp&redirect_uri=" + strings.Repeat("https%3A%2F%2Frp.test%2Fcb", 60)
	tests := []struct {
		description, in, want string
	}{
		{"a web font inlined as data: keeps its media type and length, not its bytes", font, "data:font/woff2;base64,… (52023 characters)"},
		{"a plain data: URL", "data:,hello", "data:,… (11 characters)"},
		{"a blob: URL keeps its origin, not its id", "blob:https://app.test/0b5e7a0c-61f4-4bb5-9d3a-2f1c6f0c3a11", "blob:https://app.test/… (58 characters)"},
		{"a long OAuth redirect is kept whole", oauth, oauth},
		{"a URL of megabytes is cut, its length said", "https://app.test/?q=" + strings.Repeat("a", 20000), "https://app.test/?q=" + strings.Repeat("a", 8192-20) + "… (20020 characters)"},
		{"an ordinary URL", "https://app.test/login", "https://app.test/login"},
	}
	for _, tt := range tests {
		if got := BoundURL(tt.in); got != tt.want {
			t.Errorf("%s: BoundURL = %.120q…, want %.120q", tt.description, got, tt.want)
		}
	}
	if got := BoundMessage(strings.Repeat("é", 1500)); got != strings.Repeat("é", 1000)+"… (1500 characters)" {
		t.Errorf("a long dialog message: %.60q", got)
	}
}
