// The instance's UTS names as uname(2) reports them (sethostname and
// setdomainname included), for /proc/sys/kernel/{hostname,domainname}.
#pragma once

#include <string>

namespace lx {

class Kernel;

std::string uts_hostname(const Kernel& k);
std::string uts_domainname(const Kernel& k);

}  // namespace lx
