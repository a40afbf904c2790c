// /admin/*: user management for service_role tokens (supabase.auth.admin.*).
#include <fmt/format.h>

#include <boost/json/array.hpp>
#include <charconv>
#include <set>

#include "auth/auth_error.hpp"
#include "auth/password_policy.hpp"
#include "auth/service.hpp"
#include "auth/sql.hpp"
#include "auth/user_json.hpp"
#include "config/config.hpp"

namespace basalt::auth {

namespace asio = boost::asio;
namespace json = boost::json;

namespace {

// Go's strconv.ParseUint wording for a bad page number.
Result<std::uint64_t> parse_page_number(const std::string& text, std::uint64_t fallback) {
  if (text.empty()) return fallback;
  std::uint64_t v = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || ptr != text.data() + text.size()) {
    return bad_request("validation_failed",
                       fmt::format("Bad Pagination Parameters: strconv.ParseUint: parsing \"{}\": "
                                   "invalid syntax",
                                   text));
  }
  return v;
}

// ban_duration: a Go duration, or "none" to lift a ban. Seconds (0 = lift).
Result<std::optional<double>> ban_seconds(const json::object& b) {
  const std::string d = str(b, "ban_duration");
  if (d.empty()) return std::optional<double>{};
  if (d == "none") return std::optional<double>(0.0);
  auto parsed = config::parse_duration(d);
  if (!parsed) {
    return bad_request("validation_failed",
                       fmt::format("invalid format for ban duration: time: invalid duration "
                                   "\"{}\"",
                                   d));
  }
  return std::optional<double>(std::chrono::duration<double>(*parsed).count());
}

}  // namespace

asio::awaitable<AuthService::Reply> AuthService::admin(AuthRequest& rq) {
  auto actor = require_admin(rq);
  if (!actor) co_return std::move(actor).error();
  const std::string& p = rq.path;
  if (p == "/admin/users" && rq.method == "GET") co_return co_await admin_list_users(rq);
  if (p == "/admin/users" && rq.method == "POST") {
    co_return co_await admin_create_user(rq, *actor);
  }
  if (p == "/admin/generate_link" && rq.method == "POST") {
    co_return co_await admin_generate_link(rq, *actor, /*invite_endpoint=*/false);
  }
  if (p.starts_with("/admin/users/")) {
    co_return co_await admin_user(rq, p.substr(13), *actor);
  }
  if (p == "/admin/audit" && rq.method == "GET") {
    auto page = parse_page_number(param(rq, "page"), 1);
    if (!page) co_return std::move(page).error();
    auto per_page = parse_page_number(param(rq, "per_page"), 50);
    if (!per_page) co_return std::move(per_page).error();
    if (*per_page == 0 || *page == 0) {
      co_return bad_request("validation_failed",
                            "Bad Pagination Parameters: page and per_page "
                            "must be positive");
    }
    std::vector<db::Param> params{std::to_string(*per_page),
                                  std::to_string((*page - 1) * *per_page), param(rq, "query")};
    auto rows = co_await call(sql::audit_page, std::move(params));
    if (!rows) co_return std::move(rows).error();
    json::array out;
    for (const auto& e : rows->as_array()) {
      json::object o = e.as_object();
      o["created_at"] = rfc3339(o["created_at"].as_string());
      out.push_back(std::move(o));
    }
    co_return json_response(200, out);
  }
  co_return not_found("not_found", "Not Found");
}

asio::awaitable<AuthService::Reply> AuthService::admin_list_users(AuthRequest& rq) {
  auto page = parse_page_number(param(rq, "page"), 1);
  if (!page) co_return std::move(page).error();
  auto per_page = parse_page_number(param(rq, "per_page"), 50);
  if (!per_page) co_return std::move(per_page).error();
  if (*per_page == 0 || *page == 0) {
    co_return bad_request("validation_failed",
                          "Bad Pagination Parameters: page and per_page must be positive");
  }
  const std::uint64_t pp = std::min<std::uint64_t>(*per_page, 1000000);
  std::vector<db::Param> params{options_.aud,
                                std::to_string(std::min<std::uint64_t>(*page, 1u << 30)),
                                std::to_string(pp), param(rq, "filter")};
  auto row = co_await call(sql::admin_list_users, std::move(params));
  if (!row) co_return std::move(row).error();
  const auto& o = row->as_object();
  json::array users;
  for (const auto& u : o.at("users").as_array()) users.push_back(user_json(u.as_object()));
  const std::uint64_t total = static_cast<std::uint64_t>(o.at("total").to_number<double>());
  const std::uint64_t pages = total / pp + (total % pp ? 1 : 0);
  auto link = [&](std::uint64_t n) {
    return fmt::format("</admin/users?page={}&per_page={}>", n, *per_page);
  };
  std::string header;
  if (pages > *page) header += link(*page + 1) + "; rel=\"next\", ";
  header += link(pages) + "; rel=\"last\"";
  auto res =
      json_response(200, json::object(Obj()("users", std::move(users))("aud", options_.aud)));
  res.set("Link", header);
  res.set("X-Total-Count", std::to_string(total));
  co_return res;
}

asio::awaitable<AuthService::Reply> AuthService::admin_create_user(AuthRequest& rq,
                                                                   const std::string& actor) {
  auto body = body_object(rq);
  if (!body) co_return std::move(body).error();
  const json::object& b = *body;
  std::string email = str(b, "email");
  std::string phone = str(b, "phone");
  if (email.empty() && phone.empty()) {
    co_return bad_request("validation_failed",
                          "Cannot create a user without either an email or phone");
  }
  json::object p = Obj()("aud", str(b, "aud").empty() ? options_.aud : str(b, "aud"))(
      "actor", actor)("ip", rq.ip)("role", str(b, "role"))(
      "email_confirm", flag(b, "email_confirm"))("phone_confirm", flag(b, "phone_confirm"));
  if (!email.empty()) {
    auto v = validate_email(email);
    if (!v) co_return std::move(v).error();
    p["email"] = *v;
  }
  if (!phone.empty()) {
    auto v = validate_phone(phone);
    if (!v) co_return std::move(v).error();
    p["phone"] = *v;
  }
  const bool has_password = b.contains("password") && b.at("password").is_string();
  const std::string password_hash = str(b, "password_hash");
  if (has_password && !password_hash.empty()) {
    co_return bad_request("validation_failed",
                          "Only a password or a password hash should be provided");
  }
  if (!password_hash.empty()) {
    if (!is_bcrypt_hash(password_hash)) {
      co_return internal_error("Error creating user", "password_hash is not a bcrypt hash");
    }
    p["password_hash"] = password_hash;
  } else {
    std::string password = has_password ? std::string(b.at("password").as_string()) : "";
    if (password.empty()) password = random_token(64);  // an account nobody can sign in to
    if (password.size() > kMaxPasswordBytes) {
      co_return bad_request("validation_failed", "bcrypt: password length exceeds 72 bytes");
    }
    std::string hash = co_await hasher_->hash(password);
    if (hash.empty()) co_return internal_error("Error creating user", "bcrypt failed");
    p["password_hash"] = hash;
  }
  if (const std::string id = str(b, "id"); !id.empty()) {
    if (!is_uuid(id)) {
      co_return bad_request("validation_failed", "ID must conform to the uuid v4 format");
    }
    if (id == "00000000-0000-0000-0000-000000000000") {
      co_return bad_request("validation_failed", "ID cannot be a nil uuid");
    }
    p["id"] = id;
  }
  if (auto it = b.find("user_metadata"); it != b.end() && it->value().is_object()) {
    p["user_metadata"] = it->value();
  }
  if (auto it = b.find("app_metadata"); it != b.end() && it->value().is_object()) {
    p["app_metadata"] = it->value();
  }
  auto ban = ban_seconds(b);
  if (!ban) co_return std::move(ban).error();
  if (*ban) p["ban_seconds"] = **ban;
  auto row = co_await call_json(sql::admin_create_user, p);
  if (!row) co_return std::move(row).error();
  if (auto code = row_error(*row)) {
    if (*code == "id_exists") {
      co_return internal_error("Database error creating new user", "id already exists");
    }
    co_return sql_error(*code);
  }
  co_return json_response(200, user_json(row->as_object().at("user").as_object()));
}

asio::awaitable<AuthService::Reply> AuthService::admin_generate_link(AuthRequest& rq,
                                                                     const std::string& actor,
                                                                     bool invite_endpoint) {
  auto body = body_object(rq);
  if (!body) co_return std::move(body).error();
  const json::object& b = *body;
  std::string type = invite_endpoint ? std::string("invite") : str(b, "type");
  static const std::set<std::string> kTypes = {
      "signup", "invite", "magiclink", "recovery", "email_change_current", "email_change_new"};
  auto v = validate_email(str(b, "email"));
  if (!v) co_return std::move(v).error();
  const std::string email = *v;
  if (!kTypes.count(type)) {
    co_return bad_request("validation_failed", "Invalid email action link type requested: " + type);
  }
  std::string new_email;
  if (type.starts_with("email_change")) {
    if (type == "email_change_current" && !options_.double_confirm_changes) {
      co_return bad_request("validation_failed",
                            "Enable secure email change to generate link for current email");
    }
    auto ne = validate_email(str(b, "new_email"));
    if (!ne) co_return std::move(ne).error();
    new_email = *ne;
  }
  const json::object data = object_field(b, "data");
  std::string redirect = redirect_param(rq, redirects_);
  if (const std::string asked = str(b, "redirect_to");
      !asked.empty() && redirects_.is_valid(asked)) {
    redirect = asked;
  }
  const std::string otp = otp_digits(options_.email_otp_length);
  const std::string hash = token_hash(type == "email_change_new" ? new_email : email, otp);

  json::object p = Obj()("type", type)("email", email)("token_hash", hash)("data", data)(
      "aud", options_.aud)("actor", actor)("ip", rq.ip);
  if (!new_email.empty()) p["new_email"] = new_email;
  if (type == "signup") {
    std::string password = str(b, "password");
    if (password.empty()) password = random_token(64);
    if (auto max = check_password_max_length(password); !max) co_return max.error();
    std::string h = co_await hasher_->hash(password);
    if (h.empty()) co_return internal_error("Error creating user", "bcrypt failed");
    p["password_hash"] = h;
  }
  // The link's type: a magic link for a new address becomes a sign-up, as GoTrue does.
  auto link_for = [&](const std::string& t) {
    const std::string link_type = t.starts_with("email_change") ? "email_change" : t;
    return verify_url(options_, hash, link_type, redirect);
  };
  if (invite_endpoint) {
    MailData d;
    d.confirmation_url = link_for("invite");
    d.token = otp;
    d.token_hash = hash;
    d.redirect_to = redirect;
    d.email = email;
    d.data = data;
    auto mail = render_mail(MailKind::invite, email, std::move(d));
    if (!mail) co_return std::move(mail).error();
    p["mail"] = std::move(mail).value();
  }
  auto row = co_await call_with_mail(sql::generate_link, std::move(p), sql::kInviteFailed, rq);
  if (!row) co_return std::move(row).error();
  if (auto code = row_error(*row)) {
    if (*code == "user_not_found_by_email") {
      co_return not_found("user_not_found", "User with this email not found");
    }
    co_return sql_error(*code);
  }
  const auto& o = row->as_object();
  json::object user = user_json(o.at("user").as_object());
  if (invite_endpoint) co_return json_response(200, user);
  const std::string final_type = str(o, "type");
  user["action_link"] = link_for(final_type);
  user["email_otp"] = otp;
  user["hashed_token"] = hash;
  user["verification_type"] = final_type;
  user["redirect_to"] = redirect;
  co_return json_response(200, user);
}

asio::awaitable<AuthService::Reply> AuthService::admin_user(AuthRequest& rq,
                                                            const std::string& rest,
                                                            const std::string& actor) {
  const auto slash = rest.find('/');
  const std::string id = rest.substr(0, slash);
  const std::string tail = slash == std::string::npos ? "" : rest.substr(slash);
  if (!is_uuid(id)) co_return not_found("validation_failed", "user_id must be an UUID");
  std::vector<db::Param> id_param{id};
  auto loaded = co_await call(sql::user, std::move(id_param));
  if (!loaded) co_return std::move(loaded).error();
  if (!loaded->is_object()) co_return not_found("user_not_found", "User not found");
  const json::object user = loaded->as_object();

  if (tail == "/factors" && rq.method == "GET") {
    json::array factors;
    if (auto it = user.find("factors"); it != user.end() && it->value().is_array()) {
      for (const auto& f : it->value().as_array()) factors.push_back(factor_json(f.as_object()));
    }
    co_return json_response(200, factors);
  }
  if (tail.starts_with("/factors/") && rq.method == "DELETE") {
    const std::string factor_id = tail.substr(9);
    if (!is_uuid(factor_id)) co_return not_found("validation_failed", "factor_id must be an UUID");
    const std::string admin_flag = "true";
    const std::string no_aal;
    std::vector<db::Param> params{id, factor_id, no_aal, admin_flag, rq.ip};
    auto r = co_await call(sql::mfa_unenroll, std::move(params));
    if (!r) co_return std::move(r).error();
    if (auto code = row_error(*r)) co_return not_found("mfa_factor_not_found", "Factor not found");
    co_return json_response(200, *r);
  }
  if (!tail.empty()) co_return not_found("not_found", "Not Found");

  if (rq.method == "GET") co_return json_response(200, user_json(user));

  if (rq.method == "DELETE") {
    bool soft = false;
    if (rq.ex->request.body().find_first_not_of(" \t\r\n") != std::string::npos) {
      auto body = body_object(rq);
      if (!body) co_return std::move(body).error();
      soft = flag(*body, "should_soft_delete");
    }
    const std::string soft_text = soft ? "true" : "false";
    std::vector<db::Param> params{id, soft_text, actor, rq.ip};
    auto r = co_await call(sql::admin_delete_user, std::move(params));
    if (!r) co_return std::move(r).error();
    if (auto code = row_error(*r)) co_return sql_error(*code);
    co_return json_response(200, json::object{});
  }

  if (rq.method != "PUT") co_return auth_error(405, "method_not_allowed", "Method Not Allowed");
  auto body = body_object(rq);
  if (!body) co_return std::move(body).error();
  const json::object& b = *body;
  json::object p = Obj()("user_id", id)("ip", rq.ip)("actor", actor);
  if (const std::string email = str(b, "email"); !email.empty()) {
    auto v = validate_email(email);
    if (!v) co_return std::move(v).error();
    p["email"] = *v;
  }
  if (const std::string phone = str(b, "phone"); !phone.empty()) {
    auto v = validate_phone(phone);
    if (!v) co_return std::move(v).error();
    p["phone"] = *v;
  }
  auto ban = ban_seconds(b);
  if (!ban) co_return std::move(ban).error();
  if (*ban) p["ban_seconds"] = **ban;
  if (auto it = b.find("password"); it != b.end() && it->value().is_string()) {
    const std::string password(it->value().as_string());
    if (auto max = check_password_max_length(password); !max) co_return max.error();
    if (auto weak = check_password_strength(password, policy_)) {
      co_return weak_password(weak->message, weak->reasons);
    }
    std::string hash = co_await hasher_->hash(password);
    if (hash.empty()) {
      co_return bad_request("validation_failed", "bcrypt: password length exceeds 72 bytes");
    }
    p["password_hash"] = hash;
  }
  if (const std::string role = str(b, "role"); !role.empty()) p["role"] = role;
  if (flag(b, "email_confirm")) p["email_confirm"] = true;
  if (flag(b, "phone_confirm")) p["phone_confirm"] = true;
  if (auto it = b.find("user_metadata"); it != b.end() && it->value().is_object()) {
    p["data"] = it->value();
  }
  if (auto it = b.find("app_metadata"); it != b.end() && it->value().is_object()) {
    p["app_metadata"] = it->value();
  }
  auto row = co_await call_json(sql::update_user, p);
  if (!row) co_return std::move(row).error();
  if (auto code = row_error(*row)) co_return sql_error(*code);
  co_return json_response(200, user_json(row->as_object().at("user").as_object()));
}

}  // namespace basalt::auth
