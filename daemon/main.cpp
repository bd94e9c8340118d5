// The feedd command line: parse arguments, hand over to app/. Nothing else lives here.

#include <iostream>
#include <string>

#include <CLI/CLI.hpp>

#include "app/commands.hpp"
#include "common/allocator.hpp"
#include "common/log.hpp"
#include "feedd/version.hpp"

namespace {

constexpr int kUsageError = 2;

}  // namespace

int main(int argc, char** argv) {
  CLI::App cli{"feedd: polls RSS and Atom feeds, keeps every article once, and writes a merged "
               "feed and a daily digest."};
  cli.name("feedd");
  cli.set_version_flag("-V,--version", [] {
    return std::string("feedd ") + feedd::kVersion + "\nallocator: " + feedd::allocator_name();
  });
  cli.require_subcommand(1);

  std::string config_path = "/etc/feedd/feedd.toml";
  std::string log_level;  // empty: the config's
  int verbose = 0;
  cli.add_flag("-v,--verbose", verbose, "More log output (-v debug, -vv trace)");
  cli.add_option("--log-level", log_level, "Log level: trace, debug, info, warn, error, off")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "off"}));

  auto* run = cli.add_subcommand("run", "Poll feeds forever; SIGTERM/SIGINT stop, SIGHUP reloads");
  run->add_option("-c,--config", config_path, "Configuration file")->capture_default_str();

  auto* once = cli.add_subcommand("once", "Poll every feed once, write outputs, exit (1 if a feed failed)");
  once->add_option("-c,--config", config_path, "Configuration file")->capture_default_str();

  bool print_reference = false;
  auto* check = cli.add_subcommand("check-config", "Validate the configuration; print every problem");
  check->add_option("-c,--config", config_path, "Configuration file")->capture_default_str();
  check->add_flag("--print-reference", print_reference,
                  "Print the reference of every configuration key (Markdown) and exit");

  bool feeds_json = false;
  auto* feeds = cli.add_subcommand("feeds", "List every feed with its last poll, errors, next due time and entries");
  feeds->add_option("-c,--config", config_path, "Configuration file")->capture_default_str();
  feeds->add_flag("--json", feeds_json, "One line of JSON");

  std::string opml_path;
  auto* import_opml = cli.add_subcommand("import-opml", "Add the feeds of an OPML file to the configuration");
  import_opml->add_option("FILE", opml_path, "OPML file")->required();
  import_opml->add_option("-c,--config", config_path, "Configuration file")->capture_default_str();

  std::string export_path;
  auto* export_opml = cli.add_subcommand("export-opml", "Write the configured feeds as OPML 2.0");
  export_opml->add_option("-c,--config", config_path, "Configuration file")->capture_default_str();
  export_opml->add_option("-o,--output", export_path, "Output file (default: standard output)");

  feedd::app::ParseArgs parse_args;
  auto* parse = cli.add_subcommand("parse", "Parse one feed (a file, or an http(s) URL to fetch) and print the normalized model");
  parse->add_option("FILE|URL", parse_args.source, "Feed document, or the URL to fetch it from")->required();
  parse->add_flag("--json", parse_args.json, "One line of JSON");
  parse->add_option("--base-url", parse_args.base_url, "Resolve relative links against this URL (for a URL, default: where it ended up)");
  parse->add_option("--content-type", parse_args.content_type, "HTTP Content-Type that names the charset (for a URL, default: the server's)");

  try {
    cli.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return cli.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return cli.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return cli.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "feedd: " << e.what() << "\n\n" << cli.help();
    return kUsageError;
  }

  if (verbose >= 2) {
    log_level = "trace";
  } else if (verbose == 1) {
    log_level = "debug";
  }
  feedd::log::setup(log_level.empty() ? "info" : log_level);

  if (*run) return feedd::app::run_command(config_path, log_level);
  if (*once) return feedd::app::once_command(config_path, log_level);
  if (*parse) return feedd::app::parse_command(parse_args);
  if (*check) {
    if (print_reference) return feedd::app::print_reference_command();
    return feedd::app::check_config_command(config_path);
  }
  if (*feeds) return feedd::app::feeds_command(config_path, feeds_json);
  if (*import_opml) return feedd::app::import_opml_command(config_path, opml_path);
  if (*export_opml) return feedd::app::export_opml_command(config_path, export_path);
  return kUsageError;
}
