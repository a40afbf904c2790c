#include "jwt/key_set.hpp"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include <algorithm>
#include <array>
#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <exception>
#include <set>
#include <utility>

#include "jwt/base64url.hpp"

namespace basalt::jwt {

namespace {

constexpr std::size_t kP256Bytes = 32;
constexpr int kMinRsaBits = 2048;

struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct BnFree {
  void operator()(BIGNUM* b) const { BN_clear_free(b); }
};
struct BldFree {
  void operator()(OSSL_PARAM_BLD* b) const { OSSL_PARAM_BLD_free(b); }
};
struct ParamFree {
  void operator()(OSSL_PARAM* p) const { OSSL_PARAM_free(p); }
};
struct CtxFree {
  void operator()(EVP_PKEY_CTX* c) const { EVP_PKEY_CTX_free(c); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
struct SigFree {
  void operator()(ECDSA_SIG* s) const { ECDSA_SIG_free(s); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;
using Bn = std::unique_ptr<BIGNUM, BnFree>;

// Bytes that held private key material are wiped before they are released.
struct SecretBytes {
  std::string bytes;
  SecretBytes() = default;
  explicit SecretBytes(std::string b) : bytes(std::move(b)) {}
  SecretBytes(const SecretBytes&) = delete;
  SecretBytes& operator=(const SecretBytes&) = delete;
  SecretBytes(SecretBytes&& other) noexcept : bytes(std::move(other.bytes)) {}
  SecretBytes& operator=(SecretBytes&& other) noexcept {
    wipe();
    bytes = std::move(other.bytes);
    return *this;
  }
  ~SecretBytes() { wipe(); }
  void wipe() {
    if (!bytes.empty()) OPENSSL_cleanse(bytes.data(), bytes.size());
  }
};

Error key_error(std::size_t index, std::string problem) {
  Error e = Error::make(400, "invalid_jwk", "JWK " + std::to_string(index) + ": " + problem);
  return e;
}

Bn to_bn(std::string_view bytes) {
  return Bn(BN_bin2bn(reinterpret_cast<const unsigned char*>(bytes.data()),
                      static_cast<int>(bytes.size()), nullptr));
}

// Big-endian integer bytes without leading zeros (at least one byte).
std::string strip_zeros(std::string bytes) {
  const auto first = bytes.find_first_not_of('\0');
  if (first == std::string::npos) return std::string(1, '\0');
  return bytes.substr(first);
}

// Reads the base64url member `name` of a JWK; nullopt when absent.
Result<std::optional<SecretBytes>> member(const boost::json::object& jwk, std::string_view name,
                                          std::size_t index) {
  const auto* v = jwk.if_contains(name);
  if (v == nullptr) return std::optional<SecretBytes>();
  if (!v->is_string()) return key_error(index, "\"" + std::string(name) + "\" must be a string");
  auto decoded = base64url_decode(v->get_string());
  if (!decoded) {
    return key_error(index, "\"" + std::string(name) + "\" is not valid base64url");
  }
  if (decoded->empty()) return key_error(index, "\"" + std::string(name) + "\" is empty");
  return std::optional<SecretBytes>(SecretBytes(std::move(*decoded)));
}

Result<SecretBytes> required(const boost::json::object& jwk, std::string_view name,
                             std::size_t index, std::string_view kty) {
  auto m = member(jwk, name, index);
  if (!m) return std::move(m).error();
  if (!m->has_value()) {
    return key_error(index, std::string(kty) + " key has no \"" + std::string(name) + "\"");
  }
  return std::move(**m);
}

std::string openssl_error() {
  const unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return "OpenSSL error";
  char buf[256];
  ERR_error_string_n(code, buf, sizeof buf);
  return buf;
}

// EVP_PKEY_fromdata over the parameters `fill(builder, keep)` pushes. The builder only keeps
// pointers to BIGNUMs until OSSL_PARAM_BLD_to_param copies them, so `fill` parks them in
// `keep`, which outlives that call.
template <class Fill>
Pkey from_params(const char* type, int selection, Fill&& fill) {
  std::vector<Bn> keep;
  std::unique_ptr<OSSL_PARAM_BLD, BldFree> bld(OSSL_PARAM_BLD_new());
  if (!bld || !fill(bld.get(), keep)) return nullptr;
  std::unique_ptr<OSSL_PARAM, ParamFree> params(OSSL_PARAM_BLD_to_param(bld.get()));
  std::unique_ptr<EVP_PKEY_CTX, CtxFree> ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1) return nullptr;
  EVP_PKEY* raw = nullptr;
  if (EVP_PKEY_fromdata(ctx.get(), &raw, selection, params.get()) != 1) return nullptr;
  return Pkey(raw);
}

// DER ECDSA-Sig-Value -> JOSE r||s (RFC 7518 §3.4) and back.
std::optional<std::string> der_to_jose(std::string_view der) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  std::unique_ptr<ECDSA_SIG, SigFree> sig(
      d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size())));
  if (!sig) return std::nullopt;
  const BIGNUM* r = nullptr;
  const BIGNUM* s = nullptr;
  ECDSA_SIG_get0(sig.get(), &r, &s);
  std::string out(2 * kP256Bytes, '\0');
  auto* o = reinterpret_cast<unsigned char*>(out.data());
  if (BN_bn2binpad(r, o, kP256Bytes) < 0 || BN_bn2binpad(s, o + kP256Bytes, kP256Bytes) < 0) {
    return std::nullopt;
  }
  return out;
}

std::optional<std::string> jose_to_der(std::string_view jose) {
  if (jose.size() != 2 * kP256Bytes) return std::nullopt;
  std::unique_ptr<ECDSA_SIG, SigFree> sig(ECDSA_SIG_new());
  BIGNUM* r = BN_bin2bn(reinterpret_cast<const unsigned char*>(jose.data()), kP256Bytes, nullptr);
  BIGNUM* s = BN_bin2bn(reinterpret_cast<const unsigned char*>(jose.data()) + kP256Bytes,
                        kP256Bytes, nullptr);
  if (!sig || !r || !s || ECDSA_SIG_set0(sig.get(), r, s) != 1) {
    BN_free(r);
    BN_free(s);
    return std::nullopt;
  }
  const int len = i2d_ECDSA_SIG(sig.get(), nullptr);
  if (len <= 0) return std::nullopt;
  std::string der(static_cast<std::size_t>(len), '\0');
  auto* out = reinterpret_cast<unsigned char*>(der.data());
  if (i2d_ECDSA_SIG(sig.get(), &out) != len) return std::nullopt;
  return der;
}

}  // namespace

struct KeySet::Key {
  std::string kty;  // "RSA" or "EC"
  std::string alg;  // "RS256" or "ES256"
  std::optional<std::string> kid;
  std::optional<bool> ext;
  // Public members, canonical base64url: n/e for RSA, x/y for EC.
  std::string n, e, x, y;
  bool can_sign = false;
  Pkey pkey;

  // SHA-256 signature in JOSE form.
  std::optional<std::string> sign(std::string_view input) const {
    std::unique_ptr<EVP_MD_CTX, MdCtxFree> md(EVP_MD_CTX_new());
    std::size_t len = 0;
    if (!md ||
        EVP_DigestSignInit_ex(md.get(), nullptr, "SHA256", nullptr, nullptr, pkey.get(), nullptr) !=
            1 ||
        EVP_DigestSign(md.get(), nullptr, &len,
                       reinterpret_cast<const unsigned char*>(input.data()), input.size()) != 1) {
      ERR_clear_error();
      return std::nullopt;
    }
    std::string out(len, '\0');
    if (EVP_DigestSign(md.get(), reinterpret_cast<unsigned char*>(out.data()), &len,
                       reinterpret_cast<const unsigned char*>(input.data()), input.size()) != 1) {
      ERR_clear_error();
      return std::nullopt;
    }
    out.resize(len);
    if (kty == "EC") return der_to_jose(out);
    return out;
  }

  bool verify(std::string_view input, std::string_view signature) const {
    std::string der_holder;
    if (kty == "EC") {
      auto der = jose_to_der(signature);
      if (!der) return false;
      der_holder = std::move(*der);
      signature = der_holder;
    }
    std::unique_ptr<EVP_MD_CTX, MdCtxFree> md(EVP_MD_CTX_new());
    const bool ok =
        md &&
        EVP_DigestVerifyInit_ex(md.get(), nullptr, "SHA256", nullptr, nullptr, pkey.get(),
                                nullptr) == 1 &&
        EVP_DigestVerify(md.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                         signature.size(), reinterpret_cast<const unsigned char*>(input.data()),
                         input.size()) == 1;
    if (!ok) ERR_clear_error();
    return ok;
  }
};

namespace {

Status parse_rsa(const boost::json::object& jwk, std::size_t index, KeySet::Key& key) {
  auto n = required(jwk, "n", index, "RSA");
  if (!n) return std::move(n).error();
  auto e = required(jwk, "e", index, "RSA");
  if (!e) return std::move(e).error();
  auto d = member(jwk, "d", index);
  if (!d) return std::move(d).error();
  // The CRT members are optional, but all or none.
  static constexpr std::array<std::string_view, 5> kCrt = {"p", "q", "dp", "dq", "qi"};
  std::vector<SecretBytes> crt;
  for (auto name : kCrt) {
    auto m = member(jwk, name, index);
    if (!m) return std::move(m).error();
    if (m->has_value()) crt.push_back(std::move(**m));
  }
  if (!crt.empty() && crt.size() != kCrt.size()) {
    return key_error(index, "RSA key has some but not all of \"p\", \"q\", \"dp\", \"dq\", \"qi\"");
  }
  if (!crt.empty() && !d->has_value()) {
    return key_error(index, "RSA key has prime factors but no \"d\"");
  }
  const bool is_private = d->has_value();
  key.pkey = from_params(
      "RSA", is_private ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY,
      [&](OSSL_PARAM_BLD* bld, std::vector<Bn>& keep) {
        auto push = [&](const char* name, std::string_view bytes) {
          keep.push_back(to_bn(bytes));
          return keep.back() && OSSL_PARAM_BLD_push_BN(bld, name, keep.back().get()) == 1;
        };
        bool ok = push(OSSL_PKEY_PARAM_RSA_N, n->bytes) && push(OSSL_PKEY_PARAM_RSA_E, e->bytes);
        if (ok && is_private) ok = push(OSSL_PKEY_PARAM_RSA_D, (*d)->bytes);
        if (ok && !crt.empty()) {
          ok = push(OSSL_PKEY_PARAM_RSA_FACTOR1, crt[0].bytes) &&
               push(OSSL_PKEY_PARAM_RSA_FACTOR2, crt[1].bytes) &&
               push(OSSL_PKEY_PARAM_RSA_EXPONENT1, crt[2].bytes) &&
               push(OSSL_PKEY_PARAM_RSA_EXPONENT2, crt[3].bytes) &&
               push(OSSL_PKEY_PARAM_RSA_COEFFICIENT1, crt[4].bytes);
        }
        return ok;
      });
  if (!key.pkey) return key_error(index, "RSA key rejected by OpenSSL: " + openssl_error());
  if (EVP_PKEY_get_bits(key.pkey.get()) < kMinRsaBits) {
    return key_error(index, "RSA key is shorter than " + std::to_string(kMinRsaBits) + " bits");
  }
  key.n = base64url_encode(strip_zeros(n->bytes));
  key.e = base64url_encode(strip_zeros(e->bytes));
  key.can_sign = is_private;
  return {};
}

Status parse_ec(const boost::json::object& jwk, std::size_t index, KeySet::Key& key) {
  const auto* crv = jwk.if_contains("crv");
  if (crv == nullptr) return key_error(index, "EC key has no \"crv\"");
  if (!crv->is_string() || crv->get_string() != "P-256") {
    return key_error(index, "EC key curve must be \"P-256\" (ES256)");
  }
  auto x = required(jwk, "x", index, "EC");
  if (!x) return std::move(x).error();
  auto y = required(jwk, "y", index, "EC");
  if (!y) return std::move(y).error();
  auto d = member(jwk, "d", index);
  if (!d) return std::move(d).error();
  // Encoders that drop leading zero bytes (Go's big.Int.Bytes) are common: pad to 32.
  for (auto* coord : {&x->bytes, &y->bytes}) {
    if (coord->size() > kP256Bytes) return key_error(index, "EC key coordinate is too long");
    coord->insert(0, kP256Bytes - coord->size(), '\0');
  }
  if (d->has_value() && (*d)->bytes.size() > kP256Bytes) {
    return key_error(index, "EC key \"d\" is too long");
  }
  const bool is_private = d->has_value();
  const std::string point = std::string(1, '\x04') + x->bytes + y->bytes;
  key.pkey = from_params(
      "EC", is_private ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY,
      [&](OSSL_PARAM_BLD* bld, std::vector<Bn>& keep) {
        if (OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) !=
                1 ||
            OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                             point.size()) != 1) {
          return false;
        }
        if (!is_private) return true;
        keep.push_back(to_bn((*d)->bytes));
        return keep.back() &&
               OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, keep.back().get()) == 1;
      });
  if (!key.pkey) return key_error(index, "EC key rejected by OpenSSL: " + openssl_error());
  {
    std::unique_ptr<EVP_PKEY_CTX, CtxFree> ctx(
        EVP_PKEY_CTX_new_from_pkey(nullptr, key.pkey.get(), nullptr));
    if (!ctx || EVP_PKEY_public_check(ctx.get()) != 1) {
      ERR_clear_error();
      return key_error(index, "EC key's point is not on the P-256 curve");
    }
  }
  key.x = base64url_encode(x->bytes);
  key.y = base64url_encode(y->bytes);
  key.can_sign = is_private;
  return {};
}

Status parse_key(const boost::json::value& value, std::size_t index, KeySet::Key& key) {
  if (!value.is_object()) return key_error(index, "not a JSON object");
  const auto& jwk = value.get_object();
  const auto* kty = jwk.if_contains("kty");
  if (kty == nullptr || !kty->is_string()) return key_error(index, "no \"kty\" string");
  key.kty = std::string(kty->get_string());
  std::string implied_alg;
  if (key.kty == "RSA") {
    implied_alg = "RS256";
  } else if (key.kty == "EC") {
    implied_alg = "ES256";
  } else if (key.kty == "oct") {
    return key_error(index,
                     "symmetric (kty \"oct\") keys are not supported here; use [auth] jwt_secret");
  } else {
    return key_error(index, "unsupported \"kty\" (use \"RSA\" or \"EC\")");
  }
  if (const auto* alg = jwk.if_contains("alg"); alg != nullptr) {
    if (!alg->is_string()) return key_error(index, "\"alg\" must be a string");
    if (alg->get_string() != implied_alg) {
      return key_error(index, "kty \"" + key.kty + "\" keys must have alg \"" + implied_alg +
                                  "\" (RS256 and ES256 are supported)");
    }
  }
  key.alg = implied_alg;
  if (const auto* kid = jwk.if_contains("kid"); kid != nullptr) {
    if (!kid->is_string()) return key_error(index, "\"kid\" must be a string");
    if (kid->get_string().empty()) return key_error(index, "\"kid\" is empty");
    key.kid = std::string(kid->get_string());
  }
  if (const auto* use = jwk.if_contains("use"); use != nullptr) {
    if (!use->is_string() || use->get_string() != "sig") {
      return key_error(index, "\"use\" must be \"sig\"");
    }
  }
  bool ops_allow_sign = true;
  if (const auto* ops = jwk.if_contains("key_ops"); ops != nullptr) {
    if (!ops->is_array()) return key_error(index, "\"key_ops\" must be an array of strings");
    ops_allow_sign = false;
    for (const auto& op : ops->get_array()) {
      if (!op.is_string()) return key_error(index, "\"key_ops\" must be an array of strings");
      if (op.get_string() == "sign") ops_allow_sign = true;
    }
  }
  if (const auto* ext = jwk.if_contains("ext"); ext != nullptr) {
    if (!ext->is_bool()) return key_error(index, "\"ext\" must be a boolean");
    key.ext = ext->get_bool();
  }
  Status parsed = key.kty == "RSA" ? parse_rsa(jwk, index, key) : parse_ec(jwk, index, key);
  if (!parsed) return parsed;
  if (key.can_sign) {
    // The private part must belong to the public one: sign and verify a probe.
    static constexpr std::string_view kProbe = "basalt key check";
    auto probe = key.sign(kProbe);
    if (!probe || !key.verify(kProbe, *probe)) {
      return key_error(index, "private key does not match its public key");
    }
  }
  key.can_sign = key.can_sign && ops_allow_sign;
  return {};
}

}  // namespace

Result<KeySet> KeySet::parse(std::string_view json) {
  try {
    boost::json::error_code ec;
    boost::json::value doc = boost::json::parse(json, ec);
    if (ec) return Error::make(400, "invalid_jwk", "not valid JSON: " + ec.message());
    const boost::json::array* list = nullptr;
    if (doc.is_array()) {
      list = &doc.get_array();
    } else if (doc.is_object()) {
      const auto* keys = doc.get_object().if_contains("keys");
      if (keys != nullptr && keys->is_array()) list = &keys->get_array();
    }
    if (list == nullptr) {
      return Error::make(400, "invalid_jwk",
                         "expected a JSON array of JWKs (or an object with a \"keys\" array)");
    }
    if (list->empty()) return Error::make(400, "invalid_jwk", "the key set has no keys");
    KeySet set;
    std::set<std::string> kids;
    for (std::size_t i = 0; i < list->size(); ++i) {
      auto key = std::make_shared<Key>();
      if (auto s = parse_key((*list)[i], i, *key); !s) return std::move(s).error();
      if (key->kid && !kids.insert(*key->kid).second) {
        return key_error(i, "duplicate \"kid\" (another key has the same one)");
      }
      if (set.signer_ == nullptr && key->can_sign) set.signer_ = key.get();
      set.keys_.push_back(std::move(key));
    }
    return set;
  } catch (const std::exception& e) {
    Error error = Error::make(500, "invalid_jwk", "the key set could not be loaded");
    error.internal = e.what();
    return error;
  }
}

std::string KeySet::signing_alg() const {
  return signer_ ? signer_->alg : std::string();
}

std::string KeySet::signing_kid() const {
  return signer_ && signer_->kid ? *signer_->kid : std::string();
}

Result<std::string> KeySet::sign(const boost::json::object& claims) const {
  if (signer_ == nullptr) return Error::make(500, "jwt_no_signing_key", "No JWT signing key");
  try {
    boost::json::object header;
    header["alg"] = signer_->alg;
    if (signer_->kid) header["kid"] = *signer_->kid;
    header["typ"] = "JWT";
    std::string token = base64url_encode(boost::json::serialize(header));
    token += '.';
    token += base64url_encode(boost::json::serialize(claims));
    auto signature = signer_->sign(token);
    if (!signature) return Error::make(500, "jwt_sign_failed", "Signing the JWT failed");
    token += '.';
    token += base64url_encode(*signature);
    return token;
  } catch (const std::exception& e) {
    Error error = Error::make(500, "jwt_sign_failed", "Signing the JWT failed");
    error.internal = e.what();
    return error;
  }
}

boost::json::object KeySet::public_jwks() const {
  boost::json::array keys;
  for (const auto& key : keys_) {
    // Members in name order, as Supabase Auth's JWK library writes them.
    boost::json::object k;
    k["alg"] = key->alg;
    if (key->kty == "EC") k["crv"] = "P-256";
    if (key->kty == "RSA") k["e"] = key->e;
    if (key->ext) k["ext"] = *key->ext;
    k["key_ops"] = boost::json::array{"verify"};
    if (key->kid) k["kid"] = *key->kid;
    k["kty"] = key->kty;
    if (key->kty == "RSA") k["n"] = key->n;
    k["use"] = "sig";
    if (key->kty == "EC") {
      k["x"] = key->x;
      k["y"] = key->y;
    }
    keys.push_back(std::move(k));
  }
  boost::json::object out;
  out["keys"] = std::move(keys);
  return out;
}

bool KeySet::has_alg(std::string_view alg) const {
  return std::any_of(keys_.begin(), keys_.end(), [&](const auto& k) { return k->alg == alg; });
}

const KeySet::Key* KeySet::find(std::string_view kid) const {
  for (const auto& key : keys_) {
    if (key->kid && *key->kid == kid) return key.get();
  }
  return nullptr;
}

std::string_view KeySet::kid_of(const Key& key) {
  return key.kid ? std::string_view(*key.kid) : std::string_view();
}

std::string_view KeySet::alg_of(const Key& key) {
  return key.alg;
}

KeySet::Check KeySet::verify(std::string_view alg, std::optional<std::string_view> kid,
                             std::string_view signing_input, std::string_view signature) const {
  if (kid) {
    const Key* key = find(*kid);
    if (key == nullptr) return Check::unknown_kid;
    if (key->alg != alg) return Check::wrong_key_type;
    return key->verify(signing_input, signature) ? Check::ok : Check::bad_signature;
  }
  bool any = false;
  for (const auto& key : keys_) {
    if (key->alg != alg) continue;
    any = true;
    if (key->verify(signing_input, signature)) return Check::ok;
  }
  return any ? Check::bad_signature : Check::no_key;
}

}  // namespace basalt::jwt
