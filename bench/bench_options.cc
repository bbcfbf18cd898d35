#include "bench_options.h"

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"

namespace cvlsm::bench {
namespace {

absl::StatusOr<int> ParsePositive(absl::string_view flag, absl::string_view text, int min) {
  int value = 0;
  if (!absl::SimpleAtoi(text, &value) || value < min) {
    return absl::InvalidArgumentError(
        absl::StrCat(flag, " wants a whole number >= ", min, ", got '", text, "'"));
  }
  return value;
}

absl::StatusOr<std::vector<int>> ParseList(absl::string_view flag, absl::string_view text,
                                           int min) {
  std::vector<int> values;
  for (absl::string_view item : absl::StrSplit(text, ',', absl::SkipEmpty())) {
    absl::StatusOr<int> value = ParsePositive(flag, item, min);
    if (!value.ok()) return value.status();
    values.push_back(*value);
  }
  if (values.empty()) return absl::InvalidArgumentError(absl::StrCat(flag, " wants a list"));
  return values;
}

}  // namespace

absl::StatusOr<BenchOptions> ParseBenchOptions(int argc, char** argv,
                                               const BenchDefaults& defaults) {
  // The preset first, so explicit sizes given in any order override it.
  BenchOptions options = defaults.normal;
  for (int i = 1; i < argc; ++i) {
    absl::string_view arg = argv[i];
    if (arg == "--smoke") options = defaults.smoke;
    if (arg == "--full") {
      if (defaults.full) {
        options = *defaults.full;
      } else {
        options.rules = defaults.full_rules;
      }
    }
  }
  for (int i = 1; i < argc; ++i) {
    absl::string_view arg = argv[i];
    if (arg == "--smoke" || arg == "--full") continue;
    if (i + 1 >= argc) return absl::InvalidArgumentError(absl::StrCat("unknown flag ", arg));
    absl::string_view value = argv[++i];
    absl::Status status;
    if (arg == "--rounds") {
      absl::StatusOr<int> n = ParsePositive(arg, value, 1);
      status = n.status();
      if (n.ok()) options.rounds = *n;
    } else if (arg == "--iterations") {
      absl::StatusOr<int> n = ParsePositive(arg, value, 1);
      status = n.status();
      if (n.ok()) options.iterations = *n;
    } else if (arg == "--depths") {
      absl::StatusOr<std::vector<int>> list = ParseList(arg, value, 1);
      status = list.status();
      if (list.ok()) options.depths = *list;
    } else if (arg == "--rules") {
      absl::StatusOr<std::vector<int>> list = ParseList(arg, value, 0);
      status = list.status();
      if (list.ok()) options.rules = *list;
    } else if (arg == "--scratch") {
      options.scratch_parent = std::string(value);
    } else if (arg == "--exec-binary") {
      options.exec_binary = std::string(value);
    } else if (arg == "--profile") {
      options.profile = std::string(value);
    } else {
      return absl::InvalidArgumentError(absl::StrCat("unknown flag ", arg));
    }
    if (!status.ok()) return status;
  }
  for (int depth : options.depths) {
    if (depth > 32) return absl::InvalidArgumentError("--depths: at most 32 components");
  }
  return options;
}

}  // namespace cvlsm::bench
