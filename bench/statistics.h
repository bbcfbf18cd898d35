// Order statistics over per-round measurements.
#pragma once

#include <vector>

namespace cvlsm::bench {

// p in [0, 1], linear between the nearest ranks; NaN values are ignored (NaN when none is
// left).
double Percentile(std::vector<double> values, double p);

}  // namespace cvlsm::bench
