// Package certs makes the TLS certificates cookiescope serves on loopback:
// the lab's, for its *.test hosts, and the emulated network's, one per host
// the probes reach. Keys live in memory only. Chrome is told to trust a key
// by its SPKI hash (--ignore-certificate-errors-spki-list), never by adding
// a certificate authority to a store.
package certs

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"fmt"
	"math/big"
	"net"
	"time"
)

// Key is a P-256 key held in memory, with SPKI, the base64 SHA-256 of its
// public key: what --ignore-certificate-errors-spki-list takes, so that
// Chrome trusts certificates of this key and of no other.
type Key struct {
	private *ecdsa.PrivateKey
	SPKI    string
}

// NewKey makes a key.
func NewKey() (*Key, error) {
	private, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("make a key: %w", err)
	}
	der, err := x509.MarshalPKIXPublicKey(&private.PublicKey)
	if err != nil {
		return nil, fmt.Errorf("encode the public key: %w", err)
	}
	sum := sha256.Sum256(der)
	return &Key{private: private, SPKI: base64.StdEncoding.EncodeToString(sum[:])}, nil
}

// Certificate makes a certificate of the key, signed by itself, for hosts
// (names, wildcards such as *.app.test, or IP addresses), valid from an hour
// ago for valid, naming organization. Chrome accepts it only where its
// SPKI is trusted.
func (k *Key) Certificate(hosts []string, organization string, valid time.Duration) (tls.Certificate, error) {
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		return tls.Certificate{}, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{Organization: []string{organization}},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(valid),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	if len(hosts) > 0 {
		tmpl.Subject.CommonName = hosts[0]
	}
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
			continue
		}
		tmpl.DNSNames = append(tmpl.DNSNames, h)
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.private.PublicKey, k.private)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("make a certificate for %v: %w", hosts, err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: k.private, Leaf: leaf}, nil
}
