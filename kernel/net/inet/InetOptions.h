// Which socket options an inet socket hands to its host socket. Options
// are passed through only when their value is plain data (no guest
// pointers inside, nothing that changes what the provider itself sees);
// the rest stay with the socket layer's SOL_SOCKET handling or fail.
#pragma once

namespace lx {

// SOL_SOCKET options the host socket implements for the guest (address
// reuse, keepalive, linger, buffer sizes, ...). Others go to Socket's own
// handling (type/domain/protocol, timeouts, credentials).
bool host_socket_option(int name);

// Options of the protocol levels (IPPROTO_IP, IPPROTO_TCP, IPPROTO_UDP,
// IPPROTO_IPV6): all pass through except those carrying guest pointers.
bool host_protocol_option(int level, int name);

}  // namespace lx
