// Compiles Boost.Asio and Boost.Beast once for the whole program
// (BOOST_ASIO_SEPARATE_COMPILATION / BOOST_BEAST_SEPARATE_COMPILATION are set in CMake).
#include <boost/asio/impl/src.hpp>
#include <boost/beast/src.hpp>
