// Listing a directory: the names in it, without "." and "..", empty when it cannot be read.
#pragma once

#include <string>
#include <vector>

namespace cvlsm {

std::vector<std::string> DirectoryEntries(const std::string& dir);

}  // namespace cvlsm
