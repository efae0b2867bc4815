package record

import "testing"

func TestHeaderLinesAreDecodedAsUTF8(t *testing.T) {
	tests := []struct {
		description, raw, want string
		latin1                 bool
	}{
		{"an ASCII line is kept", "a=1; Path=/", "a=1; Path=/", false},
		{"UTF-8 bytes reported one per character (Windows-1252) become the UTF-8 text", "f_h_æ˜¥èŠ‚å›ž=1", "f_h_春节回=1", false},
		{"a UTF-8 value is decoded too", "v=\u00e6\u02dc\u00a5", "v=春", false},
		{"bytes that are not UTF-8 stay as Chrome gave them, flagged latin1", "v=caf\u00e9", "v=caf\u00e9", true},
		{"a line that is already text (a character above one byte's reach) is kept", "v=春", "v=春", false},
	}
	for _, tt := range tests {
		got, latin1 := decodeHeaderLine(tt.raw)
		if got != tt.want || latin1 != tt.latin1 {
			t.Errorf("%s: decodeHeaderLine(%q) = %q, %v; want %q, %v", tt.description, tt.raw, got, latin1, tt.want, tt.latin1)
		}
	}
}
