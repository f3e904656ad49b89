// AF_UNIX: the entry of the family registry (kernel/net/Families.cpp).
#pragma once

#include "kernel/net/Families.h"

namespace lx {

SocketFamily unix_family();

}  // namespace lx
