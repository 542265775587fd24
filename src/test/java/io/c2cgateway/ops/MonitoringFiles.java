package io.c2cgateway.ops;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.Yaml;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** deploy/monitoring as the tests read it: the alert rules, their promtool tests and the dashboard's queries. */
final class MonitoringFiles {

	static final Path FOLDER = Path.of("deploy", "monitoring");

	static final Path RULES = FOLDER.resolve("prometheusrule.yaml");

	static final Path RULE_TESTS = FOLDER.resolve("prometheusrule.test.yaml");

	static final Path DASHBOARD = FOLDER.resolve("grafana-dashboard.json");

	/** Words of PromQL that are not series names: operators, modifiers and aggregation clauses. */
	private static final Set<String> KEYWORDS = Set.of("and", "or", "unless", "by", "without", "on", "ignoring",
			"group_left", "group_right", "offset", "bool", "inf", "nan");

	private static final Pattern GROUPING = Pattern
		.compile("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)");

	private static final Pattern IDENTIFIER = Pattern.compile("(?<![\\w.$])([a-zA-Z_:][a-zA-Z0-9_:]*)\\s*(\\()?");

	private MonitoringFiles() {
	}

	/** The PrometheusRule's {@code spec}: the rule groups exactly as promtool reads a rule file. */
	@SuppressWarnings("unchecked")
	static Map<String, Object> ruleGroups() throws IOException {
		try (Reader in = Files.newBufferedReader(RULES)) {
			Map<String, Object> document = new Yaml().load(in);
			return (Map<String, Object>) document.get("spec");
		}
	}

	/** Writes the rule groups where the promtool test file expects them (rules.yaml beside it). */
	static Path writeRuleFile(Path folder) throws IOException {
		DumperOptions options = new DumperOptions();
		options.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
		Path rules = folder.resolve("rules.yaml");
		Files.writeString(rules, new Yaml(options).dump(ruleGroups()));
		return rules;
	}

	@SuppressWarnings("unchecked")
	static List<Map<String, Object>> rules() throws IOException {
		List<Map<String, Object>> rules = new ArrayList<>();
		for (Object group : (List<Object>) ruleGroups().get("groups")) {
			rules.addAll((List<Map<String, Object>>) ((Map<String, Object>) group).get("rules"));
		}
		return rules;
	}

	static Set<String> alertNames() throws IOException {
		Set<String> names = new LinkedHashSet<>();
		for (Map<String, Object> rule : rules()) {
			names.add((String) rule.get("alert"));
		}
		return names;
	}

	/** Alerts that some promtool test case expects to fire. */
	@SuppressWarnings("unchecked")
	static Set<String> alertsTestedFiring() throws IOException {
		Set<String> names = new LinkedHashSet<>();
		try (Reader in = Files.newBufferedReader(RULE_TESTS)) {
			Map<String, Object> document = new Yaml().load(in);
			for (Object test : (List<Object>) document.get("tests")) {
				Object cases = ((Map<String, Object>) test).get("alert_rule_test");
				for (Object testCase : (cases != null) ? (List<Object>) cases : List.of()) {
					Map<String, Object> alertTest = (Map<String, Object>) testCase;
					Object expected = alertTest.get("exp_alerts");
					if (expected instanceof List<?> list && !list.isEmpty()) {
						names.add((String) alertTest.get("alertname"));
					}
				}
			}
		}
		return names;
	}

	static List<String> ruleExpressions() throws IOException {
		return rules().stream().map((rule) -> (String) rule.get("expr")).toList();
	}

	static List<String> dashboardExpressions() throws IOException {
		JsonNode dashboard = JsonMapper.builder().build().readTree(Files.readString(DASHBOARD));
		List<String> expressions = new ArrayList<>();
		collectExpressions(dashboard.path("panels"), expressions);
		return expressions;
	}

	private static void collectExpressions(JsonNode panels, List<String> into) {
		for (JsonNode panel : panels) {
			for (JsonNode target : panel.path("targets")) {
				into.add(target.path("expr").asString());
			}
			collectExpressions(panel.path("panels"), into);
		}
	}

	/**
	 * The series names a PromQL expression selects. Label matchers, strings, ranges, grouping
	 * clauses, Grafana variables and function calls are dropped first; what is left that looks
	 * like a name is one.
	 */
	static Set<String> seriesNames(String expression) {
		String rest = expression.replaceAll("\"(?:[^\"\\\\]|\\\\.)*\"", "\"\"")
			.replaceAll("\\{[^}]*}", " ")
			.replaceAll("\\[[^]]*]", " ")
			.replaceAll("\\$\\{?\\w+}?", " ");
		rest = GROUPING.matcher(rest).replaceAll(" ");
		Set<String> names = new LinkedHashSet<>();
		Matcher matcher = IDENTIFIER.matcher(rest);
		while (matcher.find()) {
			String word = matcher.group(1);
			boolean call = matcher.group(2) != null;
			if (!call && !KEYWORDS.contains(word.toLowerCase(java.util.Locale.ROOT))) {
				names.add(word);
			}
		}
		return names;
	}

}
