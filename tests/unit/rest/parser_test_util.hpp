// Test helpers for the REST request parser: compact, unambiguous renderings of parsed values so
// table-driven tests can compare one string per case.
#pragma once
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "rest/api_request.hpp"
#include "rest/query_parser.hpp"

namespace basalt::rest::req::testing {

inline std::string show(const Field& f) {
  std::string out = "<" + f.name + ">";
  for (const auto& j : f.json) {
    out += j.as_text ? "->>" : "->";
    out += j.is_index ? "#" + j.key : "<" + j.key + ">";
  }
  return out;
}

inline std::string show(const std::vector<SelectItem>& items);

inline std::string show(const SelectItem& it) {
  std::string out;
  if (it.alias) out += *it.alias + ":";
  if (it.kind == SelectItem::Kind::field) {
    out += show(it.field);
    if (it.cast) out += "::" + *it.cast;
    if (it.aggregate) out += "." + std::string(to_string(*it.aggregate)) + "()";
    if (it.aggregate_cast) out += "::" + *it.aggregate_cast;
    return out;
  }
  if (it.kind == SelectItem::Kind::spread) out += "...";
  out += "<" + it.relation + ">";
  if (it.hint) out += "!hint=" + *it.hint;
  if (it.join) out += *it.join == JoinType::inner ? "!inner" : "!left";
  out += "(" + show(it.children) + ")";
  return out;
}

inline std::string show(const std::vector<SelectItem>& items) {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += ",";
    out += show(items[i]);
  }
  return out;
}

inline std::string show(const OpExpr& e) {
  std::string out;
  if (e.negated) out += "not.";
  out += to_string(e.op);
  if (e.quantifier) out += *e.quantifier == Quantifier::any ? "(any)" : "(all)";
  if (e.language) out += "(" + *e.language + ")";
  switch (e.op) {
    case Operator::in:
      out += "[";
      for (std::size_t i = 0; i < e.list.size(); ++i) {
        if (i > 0) out += "|";
        out += "<" + e.list[i] + ">";
      }
      out += "]";
      break;
    case Operator::is: {
      const char* names[] = {"null", "not_null", "true", "false", "unknown"};
      out += " " + std::string(names[static_cast<int>(e.is_value)]);
      break;
    }
    default:
      out += " <" + e.value + ">";
  }
  return out;
}

inline std::string show(const Filter& f) {
  return show(f.field) + " " + show(f.expr);
}

inline std::string show_path(const EmbedPath& p) {
  std::string out;
  for (const auto& s : p) out += s + "/";
  return out;
}

inline std::string show(const PathFilter& f) {
  return show_path(f.path) + show(f.filter);
}

inline std::string show(const LogicTree& t) {
  if (t.is_leaf) return show(t.filter);
  std::string out = t.negated ? "not." : "";
  out += t.op == LogicOp::op_and ? "and(" : "or(";
  for (std::size_t i = 0; i < t.children.size(); ++i) {
    if (i > 0) out += ", ";
    out += show(t.children[i]);
  }
  return out + ")";
}

inline std::string show(const OrderTerm& t) {
  std::string out;
  if (t.relation)
    out += *t.relation + "(" + show(t.field) + ")";
  else
    out += show(t.field);
  if (t.direction) out += *t.direction == OrderDirection::asc ? ".asc" : ".desc";
  if (t.nulls) out += *t.nulls == OrderNulls::first ? ".nullsfirst" : ".nullslast";
  return out;
}

inline std::string show(const PathOrder& o) {
  std::string out = show_path(o.path);
  for (std::size_t i = 0; i < o.terms.size(); ++i) {
    if (i > 0) out += ",";
    out += show(o.terms[i]);
  }
  return out;
}

// Compares an error with PostgREST's wire fields.
inline void expect_error(const Error& e, int status, const std::string& code,
                         const std::string& message, const std::string& details = "",
                         const std::string& hint = "") {
  EXPECT_EQ(e.status, status) << e.message;
  EXPECT_EQ(e.code, code) << e.message;
  EXPECT_EQ(e.message, message);
  EXPECT_EQ(e.details, details);
  EXPECT_EQ(e.hint, hint);
}

}  // namespace basalt::rest::req::testing
