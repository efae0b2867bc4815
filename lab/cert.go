package lab

import (
	"crypto/tls"
	"time"

	"github.com/cookiescope/cookiescope/internal/certs"
)

// newCertificate makes a certificate for hosts, held in memory only, and
// returns it with the base64 SHA-256 of its public key.
func newCertificate(hosts []string) (tls.Certificate, string, error) {
	key, err := certs.NewKey()
	if err != nil {
		return tls.Certificate{}, "", err
	}
	cert, err := key.Certificate(hosts, "cookiescope lab", 7*24*time.Hour)
	return cert, key.SPKI, err
}
