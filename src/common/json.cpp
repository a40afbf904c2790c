#include "common/json.hpp"

#include <boost/json/parse.hpp>

namespace basalt {

boost::json::value parse_json(std::string_view text, boost::system::error_code& ec) {
  return boost::json::parse(text, ec, {}, json_parse_options());
}

}  // namespace basalt
