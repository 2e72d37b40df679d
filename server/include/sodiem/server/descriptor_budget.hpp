// How the process's descriptor limit (RLIMIT_NOFILE) is shared out at the
// start of `sodiem-server run` (tuning.hpp: kReservedFds, kMinConnectionFds,
// kFdsPerOpenSchool): the descriptors open already and a reserve, then the
// open schools of a many-school server (their bound shrinks to what fits),
// then the connections (their bounds shrink to the rest). Pure; called by
// wss_server.cpp (and tests).
#pragma once
#include <cstddef>
#include <stdexcept>
#include <string>

#include "sodiem/server/wss_server.hpp"

namespace sodiem::server {

// The descriptor limit fits not one school beside the minimum: the message
// (Vietnamese) names the `ulimit -n` needed.
struct DescriptorShortage : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// `limit`: the soft limit (after raising it to the hard one); `open_now`:
// descriptors open already; `schools`: how many schools may open (0: one
// school, opened already and counted in open_now; SIZE_MAX: not known, a
// parent folder that may gain schools). `warning` gets what was shrunk (for
// the log), or stays empty. Throws DescriptorShortage.
WssLimits share_descriptors(WssLimits limits, std::size_t limit, std::size_t open_now, std::size_t schools,
                            std::string& warning);

}  // namespace sodiem::server
