#include "auth/user_json.hpp"

#include <boost/json/array.hpp>
#include <ctime>

namespace basalt::auth {

namespace json = boost::json;

std::string rfc3339(std::string_view ts) {
  // Offset: "+00:00" (or "+00") at the end means UTC, which Go writes as Z.
  std::string_view offset;
  const std::size_t n = ts.size();
  if (n > 6 && (ts[n - 6] == '+' || ts[n - 6] == '-') && ts[n - 3] == ':') {
    offset = ts.substr(n - 6);
    ts.remove_suffix(6);
  } else if (n > 3 && (ts[n - 3] == '+' || ts[n - 3] == '-')) {
    offset = ts.substr(n - 3);
    ts.remove_suffix(3);
  }
  // Fraction: trailing zeros dropped, and the dot with them when nothing is left.
  const auto dot = ts.rfind('.');
  if (dot != std::string_view::npos && dot > ts.rfind(':')) {
    while (ts.size() > dot + 1 && ts.back() == '0') ts.remove_suffix(1);
    if (ts.size() == dot + 1) ts.remove_suffix(1);
  }
  std::string out(ts);
  if (offset.empty() || offset == "+00:00" || offset == "-00:00" || offset == "+00" ||
      offset == "-00") {
    out += offset.empty() ? "" : "Z";
  } else {
    out += offset;
    if (offset.size() == 3) out += ":00";
  }
  return out;
}

std::string rfc3339_now(std::int64_t unix_seconds) {
  const std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string str(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  if (it == o.end() || !it->value().is_string()) return {};
  return std::string(it->value().as_string());
}

json::object object_field(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  if (it == o.end() || !it->value().is_object()) return {};
  return it->value().as_object();
}

bool flag(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  return it != o.end() && it->value().is_bool() && it->value().as_bool();
}

namespace {

// A timestamp field, omitted (omitempty) when null.
void put_time(json::object& out, std::string_view key, const json::object& row,
              std::string_view column) {
  auto it = row.find(column);
  if (it == row.end() || !it->value().is_string()) return;
  out[key] = rfc3339(it->value().as_string());
}

// A timestamp that is always present (null when unset).
void put_time_or_null(json::object& out, std::string_view key, const json::object& row,
                      std::string_view column) {
  auto it = row.find(column);
  if (it == row.end() || !it->value().is_string()) {
    out[key] = nullptr;
    return;
  }
  out[key] = rfc3339(it->value().as_string());
}

// An omitempty string.
void put_nonempty(json::object& out, std::string_view key, const json::object& row,
                  std::string_view column) {
  std::string v = str(row, column);
  if (!v.empty()) out[key] = std::move(v);
}

}  // namespace

json::object identity_json(const json::object& row) {
  json::object o;
  o["identity_id"] = str(row, "id");
  o["id"] = str(row, "provider_id");
  o["user_id"] = str(row, "user_id");
  if (auto it = row.find("identity_data");
      it != row.end() && it->value().is_object() && !it->value().as_object().empty()) {
    o["identity_data"] = it->value();
  }
  o["provider"] = str(row, "provider");
  put_time(o, "last_sign_in_at", row, "last_sign_in_at");
  put_time_or_null(o, "created_at", row, "created_at");
  put_time_or_null(o, "updated_at", row, "updated_at");
  put_nonempty(o, "email", row, "email");
  return o;
}

json::object factor_json(const json::object& row) {
  json::object o;
  o["id"] = str(row, "id");
  put_time_or_null(o, "created_at", row, "created_at");
  put_time_or_null(o, "updated_at", row, "updated_at");
  o["status"] = str(row, "status");
  put_nonempty(o, "friendly_name", row, "friendly_name");
  o["factor_type"] = str(row, "factor_type");
  o["phone"] = str(row, "phone");
  put_time_or_null(o, "last_challenged_at", row, "last_challenged_at");
  return o;
}

json::object user_json(const json::object& row) {
  json::object o;
  o["id"] = str(row, "id");
  o["aud"] = str(row, "aud");
  o["role"] = str(row, "role");
  o["email"] = str(row, "email");
  put_time(o, "email_confirmed_at", row, "email_confirmed_at");
  put_time(o, "invited_at", row, "invited_at");
  o["phone"] = str(row, "phone");
  put_time(o, "phone_confirmed_at", row, "phone_confirmed_at");
  put_time(o, "confirmation_sent_at", row, "confirmation_sent_at");
  put_time(o, "confirmed_at", row, "confirmed_at");
  put_time(o, "recovery_sent_at", row, "recovery_sent_at");
  put_nonempty(o, "new_email", row, "email_change");
  put_time(o, "email_change_sent_at", row, "email_change_sent_at");
  put_nonempty(o, "new_phone", row, "phone_change");
  put_time(o, "phone_change_sent_at", row, "phone_change_sent_at");
  put_time(o, "reauthentication_sent_at", row, "reauthentication_sent_at");
  put_time(o, "last_sign_in_at", row, "last_sign_in_at");
  o["app_metadata"] = object_field(row, "raw_app_meta_data");
  o["user_metadata"] = object_field(row, "raw_user_meta_data");
  if (auto it = row.find("factors");
      it != row.end() && it->value().is_array() && !it->value().as_array().empty()) {
    json::array factors;
    for (const auto& f : it->value().as_array()) {
      if (f.is_object()) factors.push_back(factor_json(f.as_object()));
    }
    o["factors"] = std::move(factors);
  }
  json::array identities;
  if (auto it = row.find("identities"); it != row.end() && it->value().is_array()) {
    for (const auto& i : it->value().as_array()) {
      if (i.is_object()) identities.push_back(identity_json(i.as_object()));
    }
  }
  o["identities"] = std::move(identities);
  put_time_or_null(o, "created_at", row, "created_at");
  put_time_or_null(o, "updated_at", row, "updated_at");
  put_time(o, "banned_until", row, "banned_until");
  put_time(o, "deleted_at", row, "deleted_at");
  o["is_anonymous"] = flag(row, "is_anonymous");
  return o;
}

}  // namespace basalt::auth
