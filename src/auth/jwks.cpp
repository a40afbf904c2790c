#include "auth/jwks.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

namespace basalt::auth {

http::Response jwks_response(const AuthOptions& options) {
  boost::json::object body;
  if (options.signing_keys) {
    body = options.signing_keys->public_jwks();
  } else {
    body["keys"] = boost::json::array();
  }
  http::Response res = http::make_response(http::HttpStatus::ok, boost::json::serialize(body));
  res.set(http::beast_http::field::cache_control, "public, max-age=600");  // as Supabase Auth
  return res;
}

}  // namespace basalt::auth
