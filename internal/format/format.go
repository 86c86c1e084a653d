// Package format is the small vocabulary every ecrctl output shares: byte
// sizes, counted nouns, short image digests and the storage price unit. One
// copy, so a size reads the same in a plan, in status and in explain.
package format

import (
	"fmt"
	"strings"
)

// BytesPerGB is the gigabyte AWS quotes storage prices per: 1024^3 bytes.
const BytesPerGB = 1 << 30

// DefaultPricePerGBMonth is ECR's standard storage price in USD per
// GB-month (the --price-per-gb-month default of plan and status).
const DefaultPricePerGBMonth = 0.10

// Bytes renders a size in binary units, as the AWS console does, with one
// decimal: "512 B", "1.5 KiB", "1.3 GiB".
func Bytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit && exp < 5; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

// Plural returns one when n is 1 and many otherwise.
func Plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// Count renders n with its noun: "1 image", "3 images", "0 images".
func Count(n int, one, many string) string {
	return fmt.Sprintf("%d %s", n, Plural(n, one, many))
}

// ShortDigest keeps the algorithm and the first 12 hex digits of a sha256
// image digest, as docker does; other strings are returned unchanged.
func ShortDigest(d string) string {
	if rest, ok := strings.CutPrefix(d, "sha256:"); ok && len(rest) > 12 {
		return "sha256:" + rest[:12]
	}
	return d
}
