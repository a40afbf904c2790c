// Request bodies as PostgREST's Payload.hs sees them: JSON checked and its keys collected
// (streaming, no DOM: bulk inserts can be large), CSV turned into a JSON array of objects, and
// form bodies into arguments or a JSON object.
#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <set>

#include "common/json.hpp"
#include "rest/api_request.hpp"
#include "rest/parse_engine.hpp"

namespace basalt::rest::req {

namespace {

namespace bj = boost::json;

Error invalid_body(std::string message) {
  return Error::make(400, "PGRST102", std::move(message));
}

// Collects the top-level shape and keys: an object's keys, or for an array whether every element
// is an object with the same key set as the first (PostgREST's payloadAttributes).
struct KeyCollector {
  static constexpr std::size_t max_object_size = std::size_t(-1);
  static constexpr std::size_t max_array_size = std::size_t(-1);
  static constexpr std::size_t max_key_size = std::size_t(-1);
  static constexpr std::size_t max_string_size = std::size_t(-1);

  enum class Top { none, object, array, scalar } top = Top::none;
  int depth = 0;
  std::string key;
  std::set<std::string> keys;  // object: its keys; array: the current element's keys
  std::set<std::string> first_keys;
  bool have_first = false;
  bool uniform = true;

  bool collecting() const {
    return (top == Top::object && depth == 1) || (top == Top::array && depth == 2);
  }
  void element_scalar() {
    if (depth == 0) top = Top::scalar;
    if (top == Top::array && depth == 1) uniform = false;
  }

  bool on_document_begin(bj::error_code&) { return true; }
  bool on_document_end(bj::error_code&) { return true; }
  bool on_object_begin(bj::error_code&) {
    if (depth == 0) top = Top::object;
    ++depth;
    if (top == Top::array && depth == 2) keys.clear();
    return true;
  }
  bool on_object_end(std::size_t, bj::error_code&) {
    if (top == Top::array && depth == 2) {
      if (!have_first) {
        first_keys = keys;
        have_first = true;
      } else if (keys != first_keys) {
        uniform = false;
      }
    }
    --depth;
    return true;
  }
  bool on_array_begin(bj::error_code&) {
    if (depth == 0) top = Top::array;
    if (top == Top::array && depth == 1) uniform = false;  // an array inside the array
    ++depth;
    return true;
  }
  bool on_array_end(std::size_t, bj::error_code&) {
    --depth;
    return true;
  }
  bool on_key_part(bj::string_view s, std::size_t, bj::error_code&) {
    if (collecting()) key.append(s.data(), s.size());
    return true;
  }
  bool on_key(bj::string_view s, std::size_t, bj::error_code&) {
    if (collecting()) {
      key.append(s.data(), s.size());
      keys.insert(std::move(key));
      key.clear();
    }
    return true;
  }
  bool on_string_part(bj::string_view, std::size_t, bj::error_code&) { return true; }
  bool on_string(bj::string_view, std::size_t, bj::error_code&) {
    element_scalar();
    return true;
  }
  bool on_number_part(bj::string_view, bj::error_code&) { return true; }
  bool on_int64(std::int64_t, bj::string_view, bj::error_code&) {
    element_scalar();
    return true;
  }
  bool on_uint64(std::uint64_t, bj::string_view, bj::error_code&) {
    element_scalar();
    return true;
  }
  bool on_double(double, bj::string_view, bj::error_code&) {
    element_scalar();
    return true;
  }
  bool on_bool(bool, bj::error_code&) {
    element_scalar();
    return true;
  }
  bool on_null(bj::error_code&) {
    element_scalar();
    return true;
  }
  bool on_comment_part(bj::string_view, bj::error_code&) { return true; }
  bool on_comment(bj::string_view, bj::error_code&) { return true; }
};

// payloadAttributes over a JSON text: nullopt = invalid JSON; else the payload (or an error
// string when the keys of an array's objects differ).
struct JsonShape {
  bool valid = false;
  bool too_deep = false;  // valid so far, but nested deeper than the server's limit
  KeyCollector::Top top = KeyCollector::Top::none;
  bool uniform = true;
  std::vector<std::string> keys;
};

JsonShape inspect_json(std::string_view text) {
  bj::basic_parser<KeyCollector> p(json_parse_options());
  bj::error_code ec;
  std::size_t n = p.write_some(false, text.data(), text.size(), ec);
  JsonShape shape;
  if (ec == bj::error::too_deep) shape.too_deep = true;
  if (ec || n != text.size() || !p.done()) return shape;
  const KeyCollector& h = p.handler();
  shape.valid = true;
  shape.top = h.top;
  shape.uniform = h.uniform;
  const auto& ks = h.top == KeyCollector::Top::object ? h.keys : h.first_keys;
  shape.keys.assign(ks.begin(), ks.end());
  return shape;
}

// Applies payloadAttributes to a parsed document: objects and uniform arrays of objects keep
// their text; scalars become an empty array.
Result<Payload> json_payload(std::string raw, const JsonShape& shape, const char* mismatch) {
  Payload p;
  p.kind = Payload::Kind::json;
  switch (shape.top) {
    case KeyCollector::Top::object:
      p.raw = std::move(raw);
      p.keys = shape.keys;
      return p;
    case KeyCollector::Top::array:
      if (!shape.uniform) return invalid_body(mismatch);
      p.raw = std::move(raw);
      p.is_array = true;
      p.keys = shape.keys;
      return p;
    default:
      p.raw = "[]";
      p.is_array = true;
      return p;
  }
}

// RFC 4180 with cassava's leniencies: LF, CRLF or CR line ends, blank lines skipped, optional
// final newline. Returns an error message on malformed quoting.
std::optional<std::string> parse_csv(std::string_view s,
                                     std::vector<std::vector<std::string>>& records) {
  std::size_t i = 0;
  const std::size_t n = s.size();
  auto at_eol = [&](std::size_t k) { return k < n && (s[k] == '\n' || s[k] == '\r'); };
  auto skip_eol = [&] {
    if (i < n && s[i] == '\r') {
      ++i;
      if (i < n && s[i] == '\n') ++i;
    } else if (i < n && s[i] == '\n') {
      ++i;
    }
  };
  while (true) {
    std::vector<std::string> rec;
    while (true) {
      std::string field;
      if (i < n && s[i] == '"') {
        ++i;
        bool closed = false;
        while (i < n) {
          if (s[i] == '"') {
            if (i + 1 < n && s[i + 1] == '"') {
              field.push_back('"');
              i += 2;
              continue;
            }
            ++i;
            closed = true;
            break;
          }
          field.push_back(s[i++]);
        }
        if (!closed) return "parse error: unterminated quoted field";
        if (i < n && s[i] != ',' && !at_eol(i))
          return "parse error: unexpected character after quoted field";
      } else {
        while (i < n && s[i] != ',' && !at_eol(i)) {
          if (s[i] == '"') return "parse error: unexpected quote in unquoted field";
          field.push_back(s[i++]);
        }
      }
      rec.push_back(std::move(field));
      if (i < n && s[i] == ',') {
        ++i;
        continue;
      }
      break;
    }
    records.push_back(std::move(rec));
    if (i >= n) break;
    skip_eol();
    if (i >= n) break;
  }
  return std::nullopt;
}

Result<Payload> csv_payload(std::string_view body) {
  if (!engine::valid_utf8(body)) return invalid_body("Invalid UTF-8 in CSV body");
  std::vector<std::vector<std::string>> records;
  if (auto err = parse_csv(body, records)) return invalid_body(*err);
  CsvTable table;
  table.header = records.empty() ? std::vector<std::string>{""} : records.front();
  bj::array rows;
  std::set<std::string> first_keys;
  bool first = true;
  bool uniform = true;
  for (std::size_t r = 1; r < records.size(); ++r) {
    const auto& rec = records[r];
    if (rec.size() == 1 && rec[0].empty()) continue;  // blank line
    std::vector<std::optional<std::string>> row;
    bj::object obj;
    std::set<std::string> keys;
    // cassava zips header and record: extra fields are dropped, missing ones leave keys out.
    for (std::size_t k = 0; k < rec.size(); ++k) {
      row.push_back(rec[k] == "NULL" ? std::nullopt : std::optional<std::string>(rec[k]));
      if (k >= table.header.size()) continue;
      const std::string& name = table.header[k];
      keys.insert(name);
      if (rec[k] == "NULL") {
        obj[name] = nullptr;
      } else {
        obj[name] = bj::string_view(rec[k]);
      }
    }
    if (first) {
      first_keys = keys;
      first = false;
    } else if (keys != first_keys) {
      uniform = false;
    }
    rows.push_back(std::move(obj));
    table.rows.push_back(std::move(row));
  }
  if (!uniform) return invalid_body("All lines must have same number of fields");
  Payload p;
  p.kind = Payload::Kind::json;
  p.is_array = true;
  p.raw = bj::serialize(rows);
  p.keys.assign(first_keys.begin(), first_keys.end());
  p.csv = std::move(table);
  return p;
}

}  // namespace

Result<std::optional<Payload>> parse_payload(
    std::string_view body, const MediaType& content_type, ResourceKind resource, Action action,
    const std::optional<std::vector<std::string>>& columns) {
  bool is_proc = resource == ResourceKind::routine;
  bool parse =
      (resource == ResourceKind::relation &&
       (action == Action::create || action == Action::update || action == Action::single_upsert)) ||
      (is_proc && action == Action::invoke);
  if (!parse) return std::optional<Payload>();
  bool columns_apply = (resource == ResourceKind::relation &&
                        (action == Action::create || action == Action::update)) ||
                       (is_proc && action == Action::invoke);
  const bool has_columns = columns_apply && columns.has_value();

  switch (content_type.kind) {
    case MediaKind::json: {
      if (has_columns) {
        Payload p;
        p.kind = Payload::Kind::raw_json;
        p.raw = std::string(body);
        return std::optional<Payload>(std::move(p));
      }
      if (body.empty() && is_proc) {
        Payload p;
        p.raw = "{}";
        return std::optional<Payload>(std::move(p));
      }
      JsonShape shape = inspect_json(body);
      if (shape.too_deep) {
        return invalid_body("JSON nested deeper than " + std::to_string(kJsonMaxDepth) + " levels");
      }
      if (!shape.valid) return invalid_body("Empty or invalid json");
      auto p = json_payload(std::string(body), shape, "All object keys must match");
      if (!p.ok()) return std::move(p).error();
      return std::optional<Payload>(std::move(p).value());
    }
    case MediaKind::csv: {
      auto p = csv_payload(body);
      if (!p.ok()) return std::move(p).error();
      return std::optional<Payload>(std::move(p).value());
    }
    case MediaKind::url_encoded: {
      auto pairs = decode_query_string(body);
      if (!pairs.ok()) return invalid_body("Invalid form body: " + pairs.error().details);
      Payload p;
      std::set<std::string> keys;
      for (const auto& qp : *pairs) keys.insert(qp.key);
      p.keys.assign(keys.begin(), keys.end());
      if (is_proc) {
        p.kind = Payload::Kind::url_encoded;
        for (auto& qp : *pairs) p.form.emplace_back(qp.key, qp.value);
        return std::optional<Payload>(std::move(p));
      }
      bj::object obj;
      for (const auto& qp : *pairs) obj[qp.key] = bj::string_view(qp.value);  // last one wins
      p.kind = Payload::Kind::json;
      p.raw = bj::serialize(obj);
      return std::optional<Payload>(std::move(p));
    }
    case MediaKind::text_plain:
    case MediaKind::text_xml:
    case MediaKind::octet_stream:
      if (is_proc) {
        Payload p;
        p.kind = Payload::Kind::raw;
        p.raw = std::string(body);
        return std::optional<Payload>(std::move(p));
      }
      break;
    default:
      break;
  }
  return invalid_body("Content-Type not acceptable: " + to_mime(content_type));
}

}  // namespace basalt::rest::req
