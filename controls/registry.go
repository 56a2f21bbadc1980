package controls

import "slices"

// All returns every control, in the order of the matrix.
func All() []*Control {
	return slices.Concat(networkControls, computeControls, dataControls, auditControls, cisControls())
}

// Exceptions are the declared departures from controls: an accepted finding in every environment, or a
// legitimate difference of one environment. The matrix test asserts that the failing controls of each
// stack are exactly these, so nothing else can fail silently.
var Exceptions = []Exception{}
