package certs

import (
	"crypto/sha256"
	"encoding/base64"
	"net"
	"testing"
	"time"
)

func TestACertificateNamesItsHostsAndCarriesTheKeysSPKI(t *testing.T) {
	k, err := NewKey()
	if err != nil {
		t.Fatal(err)
	}
	cert, err := k.Certificate([]string{"app.test", "*.app.test", "127.0.0.1"}, "cookiescope lab", 24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	leaf := cert.Leaf
	sum := sha256.Sum256(leaf.RawSubjectPublicKeyInfo)
	if got := base64.StdEncoding.EncodeToString(sum[:]); got != k.SPKI {
		t.Errorf("the certificate's SPKI %s is not the key's %s: Chrome would not trust it", got, k.SPKI)
	}
	for _, host := range []string{"app.test", "sub.app.test"} {
		if err := leaf.VerifyHostname(host); err != nil {
			t.Errorf("%s: %v", host, err)
		}
	}
	if len(leaf.IPAddresses) != 1 || !leaf.IPAddresses[0].Equal(net.ParseIP("127.0.0.1")) {
		t.Errorf("IP addresses %v, want 127.0.0.1", leaf.IPAddresses)
	}
	if err := leaf.VerifyHostname("evil.test"); err == nil {
		t.Error("the certificate names a host it was not made for")
	}
	if time.Until(leaf.NotAfter) > 25*time.Hour || time.Since(leaf.NotBefore) < 59*time.Minute {
		t.Errorf("valid %s to %s", leaf.NotBefore, leaf.NotAfter)
	}
}
