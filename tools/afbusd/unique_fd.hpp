// SPDX-License-Identifier: LGPL-2.1-or-later
//
// UniqueFd: the one owner of a file descriptor, closed on destruction:
// libafbus's afbus::Fd, under the name afbusd's code uses.
#ifndef AFBUSD_UNIQUE_FD_HPP
#define AFBUSD_UNIQUE_FD_HPP

#include <afbus/fd.hpp>

namespace afbusd {

using UniqueFd = afbus::Fd;

} // namespace afbusd

#endif // AFBUSD_UNIQUE_FD_HPP
