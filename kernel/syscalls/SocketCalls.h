// Registration split of the socket family: socket.cpp registers the
// connection calls and calls this for the data calls in socket_msg.cpp.
#pragma once

namespace lx {

class SyscallTable;

void register_socket_msg(SyscallTable& t);  // sendto, recvfrom, sendmsg, recvmsg, sendmmsg, recvmmsg

}  // namespace lx
