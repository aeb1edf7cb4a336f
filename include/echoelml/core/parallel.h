// Runs independent work items on a fixed number of threads.
#pragma once

#include <cstddef>
#include <functional>

namespace echoelml {

/// Number of threads to use when the user asked for `requested` (0 = all hardware threads).
unsigned resolve_threads(unsigned requested);

/// Calls fn(i) for i in [0, n) on `threads` threads (0 = all cores), handing out items in
/// order. fn must not throw: report failures per item instead (the caller decides what a
/// failure means). Returns when every item is done.
void parallel_for(std::size_t n, unsigned threads, const std::function<void(std::size_t)>& fn);

}  // namespace echoelml
