package inspect

import "strings"

// reasonText says each of Chrome's Set-Cookie blocked reasons
// (Network.SetCookieBlockedReason) in plain words.
var reasonText = map[string]string{
	"SecureOnly":                               "the Secure attribute was set but the response came over plain http",
	"SameSiteStrict":                           "SameSite=Strict cookie set in a cross-site context",
	"SameSiteLax":                              "SameSite=Lax cookie set in a cross-site context that was not a top-level navigation",
	"SameSiteUnspecifiedTreatedAsLax":          "no SameSite attribute, so Chrome treated it as Lax, and the context was cross-site",
	"SameSiteNoneInsecure":                     "SameSite=None requires the Secure attribute",
	"UserPreferences":                          userPreferencesBlocked,
	"ThirdPartyPhaseout":                       "third-party cookies are blocked: set from a cross-site frame or request without Partitioned",
	"SyntaxError":                              "the Set-Cookie line could not be parsed",
	"SchemeNotSupported":                       "the URL scheme cannot set cookies",
	"OverwriteSecure":                          "a plain-http response tried to overwrite (or shadow) a Secure cookie: strict secure cookies forbid it",
	"InvalidDomain":                            "the Domain attribute does not cover the host that set the cookie",
	"InvalidPrefix":                            "the cookie breaks the rules of its name prefix (__Secure-, __Host-, __Http- or __Host-Http-)",
	"UnknownError":                             "Chrome refused it for an unknown reason",
	"SchemefulSameSiteStrict":                  "SameSite=Strict cookie set across schemes (http vs https), which counts as cross-site",
	"SchemefulSameSiteLax":                     "SameSite=Lax cookie set across schemes (http vs https), which counts as cross-site",
	"SchemefulSameSiteUnspecifiedTreatedAsLax": "no SameSite attribute (treated as Lax) and set across schemes (http vs https)",
	"NameValuePairExceedsMaxSize":              "name plus value exceed 4096 bytes",
	"DisallowedCharacter":                      "the line contains a character cookies may not hold",
	"NoCookieContent":                          "the line has neither a name nor a value",
	ReasonNotStored:                            "script wrote it without error, but the jar does not hold it (Chrome reports no reason for script writes)",
}

// What Chrome's "UserPreferences" reason means under each third-party
// cookie mode. With third-party cookies blocked it is that block; with them
// allowed, only a setting cookiescope did not make can give it.
const (
	userPreferencesBlocked = "third-party cookies are blocked in this run (--third-party-cookies block, the default, as in a fresh Chromium profile): it was set in a cross-site context and is not Partitioned"
	userPreferencesAllowed = "the browser's cookie settings refused it although third-party cookies are allowed in this run (--third-party-cookies allow): a setting of the browser itself, such as a block for this site"
)

// ExplainReasons says Chrome's reasons in plain words, joined by "; ", as
// they read with third-party cookies blocked (the default). An unknown
// reason is passed through as it is.
func ExplainReasons(reasons []string) string {
	return ExplainReasonsUnder(reasons, ThirdPartyCookiesBlock)
}

// ExplainReasonsUnder is ExplainReasons for a run with the third-party
// cookie setting mode.
func ExplainReasonsUnder(reasons []string, mode ThirdPartyCookies) string {
	return explain(reasons, mode, nil)
}

// explainWrite is ExplainReasonsUnder for the reasons Chrome gave for
// refusing the write w: InvalidPrefix then names the rule of the prefix
// w's cookie has and what w breaks of it.
func explainWrite(w Write, reasons []string, mode ThirdPartyCookies) string {
	return explain(reasons, mode, &w)
}

func explain(reasons []string, mode ThirdPartyCookies, w *Write) string {
	parts := make([]string, 0, len(reasons))
	for _, r := range reasons {
		if r == "InvalidPrefix" && w != nil {
			parts = append(parts, invalidPrefixReason(*w))
			continue
		}
		if r == "UserPreferences" && mode.Allowed() {
			parts = append(parts, userPreferencesAllowed)
			continue
		}
		if text, ok := reasonText[r]; ok {
			parts = append(parts, text)
		} else {
			parts = append(parts, r)
		}
	}
	return strings.Join(parts, "; ")
}
