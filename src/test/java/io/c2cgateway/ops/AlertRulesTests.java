package io.c2cgateway.ops;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * deploy/monitoring/prometheusrule.yaml through promtool, as Prometheus itself would read it:
 * {@code check rules} for syntax and {@code test rules} for what each alert does on made-up series.
 * CI installs promtool (Debian's prometheus package); a laptop without it skips these.
 */
class AlertRulesTests {

	@TempDir
	Path work;

	@BeforeAll
	static void promtoolIsThere() {
		boolean present = promtool() != null;
		if (!present && "true".equals(System.getenv("CI"))) {
			throw new AssertionError("promtool is missing; .ci/run installs it (Debian package prometheus)");
		}
		Assumptions.assumeTrue(present, "promtool is not installed (Debian package prometheus); skipped outside CI");
	}

	@Test
	void promtoolAcceptsTheRuleGroupsOfThePrometheusRule() throws Exception {
		Path rules = MonitoringFiles.writeRuleFile(this.work);
		Result result = run(promtool().toString(), "check", "rules", rules.toString());
		assertThat(result.exitCode()).as(result.output()).isZero();
		assertThat(result.output()).contains("SUCCESS: " + MonitoringFiles.rules().size() + " rules found");
	}

	@Test
	void everyAlertBehavesAsItsPromtoolUnitTestsExpect() throws Exception {
		MonitoringFiles.writeRuleFile(this.work);
		Path tests = Files.copy(MonitoringFiles.RULE_TESTS, this.work.resolve("prometheusrule.test.yaml"));
		Result result = run(promtool().toString(), "test", "rules", tests.toString());
		assertThat(result.exitCode()).as(result.output()).isZero();
		assertThat(result.output()).contains("SUCCESS");
	}

	@Test
	void everyAlertHasAUnitTestInWhichItFires() throws IOException {
		assertThat(MonitoringFiles.alertsTestedFiring()).containsExactlyInAnyOrderElementsOf(MonitoringFiles.alertNames());
	}

	@Test
	void everyAlertHasASeverityAndASummary() throws IOException {
		for (var rule : MonitoringFiles.rules()) {
			assertThat(rule).as(String.valueOf(rule.get("alert"))).containsKeys("alert", "expr", "labels", "annotations");
			assertThat(map(rule.get("labels"))).as(rule.get("alert") + " labels")
				.containsKey("severity");
			assertThat(map(rule.get("annotations"))).as(rule.get("alert") + " annotations")
				.containsKeys("summary", "description");
		}
	}

	@SuppressWarnings("unchecked")
	private static Map<String, Object> map(Object value) {
		return (Map<String, Object>) value;
	}

	private static Path promtool() {
		String path = System.getenv("PATH");
		for (String folder : (path != null) ? path.split(java.io.File.pathSeparator) : new String[0]) {
			Path candidate = Path.of(folder, "promtool");
			if (Files.isExecutable(candidate)) {
				return candidate;
			}
		}
		return null;
	}

	private Result run(String... command) throws IOException, InterruptedException {
		Path log = this.work.resolve("promtool.log");
		Process process = new ProcessBuilder(new ArrayList<>(List.of(command))).directory(this.work.toFile())
			.redirectErrorStream(true)
			.redirectOutput(log.toFile())
			.start();
		if (!process.waitFor(60, TimeUnit.SECONDS)) {
			process.destroyForcibly();
			throw new AssertionError("promtool did not finish within 60 s");
		}
		return new Result(process.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
	}

	private record Result(int exitCode, String output) {
	}

}
