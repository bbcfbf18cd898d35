// Order statistics of per-round figures.
#pragma once

#include <vector>

namespace cvlsm::bench {

// p in [0, 1], linear between the nearest ranks; NaN for no finite values.
double Percentile(std::vector<double> values, double p);

}  // namespace cvlsm::bench
