package threshold

import (
	"time"

	"github.com/hlsswarm/hlsswarm/verdict"
)

// The outcome types are public (package verdict) so that loadtest and
// assert can hand them to users; the engine names them here without the
// package prefix.
type (
	Verdict  = verdict.Verdict
	Verdicts = verdict.Verdicts
	Status   = verdict.Status
	Unit     = verdict.Unit
)

// The outcomes and units, as in package verdict.
const (
	Pass          = verdict.Pass
	Fail          = verdict.Fail
	NoData        = verdict.NoData
	NoDataAllowed = verdict.NoDataAllowed

	UnitCount    = verdict.UnitCount
	UnitDuration = verdict.UnitDuration
	UnitRatio    = verdict.UnitRatio
	UnitBytes    = verdict.UnitBytes
	UnitSpeed    = verdict.UnitSpeed
)

// ErrInvalidThreshold is [verdict.ErrInvalidThreshold].
var ErrInvalidThreshold = verdict.ErrInvalidThreshold

func fmtElapsed(d time.Duration) string { return verdict.FormatElapsed(d) }
