package io.c2cgateway.system;

import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.mock.web.MockHttpServletRequest;

import static org.assertj.core.api.Assertions.assertThat;

/** What the handler of the API's failures writes to the log: a trace for a bug, nothing for a refusal. */
@ExtendWith(OutputCaptureExtension.class)
class ProblemHandlerLoggingTests {

	private final ProblemHandler handler = new ProblemHandler();

	private final MockHttpServletRequest request = new MockHttpServletRequest("GET", "/api/v1/pairings");

	@Test
	void anUnexpectedExceptionIsLoggedOnceWithItsStackTraceAndAnswers500(CapturedOutput output) {
		ResponseEntity<ProblemDetail> answer = this.handler.handleUnexpected(new IllegalStateException("a bug"),
				this.request);

		assertThat(answer.getStatusCode().value()).isEqualTo(500);
		assertThat(answer.getBody().getProperties()).containsEntry("code", "internal_error");
		assertThat(output.getAll()).containsOnlyOnce("java.lang.IllegalStateException: a bug")
			.contains("ERROR")
			.contains("at io.c2cgateway.system.ProblemHandlerLoggingTests");
	}

	@Test
	void aDatabaseOutageIsAWarningWithoutAStackTrace(CapturedOutput output) {
		ResponseEntity<ProblemDetail> answer = this.handler
			.handleUnexpected(new DataAccessResourceFailureException("connection refused"), this.request);

		assertThat(answer.getStatusCode().value()).isEqualTo(503);
		assertThat(answer.getHeaders().getFirst("Retry-After")).isEqualTo("5");
		assertThat(answer.getBody().getProperties()).containsEntry("code", "database_unavailable");
		assertThat(output.getAll()).contains("WARN", "Database unavailable (DataAccessResourceFailureException)")
			.doesNotContain("connection refused")
			.doesNotContain("at io.c2cgateway");
	}

	@Test
	void aDomainRefusalIsAnsweredWithoutALogLine(CapturedOutput output) {
		ResponseEntity<ProblemDetail> answer = this.handler
			.handleDomain(new UpstreamRateLimited("Frame.io is rate limiting token refreshes", Duration.ofSeconds(7)),
					this.request);

		assertThat(answer.getStatusCode().value()).isEqualTo(503);
		assertThat(answer.getHeaders().getFirst("Retry-After")).isEqualTo("7");
		assertThat(answer.getBody().getInstance()).hasToString("/api/v1/pairings");
		assertThat(answer.getBody().getProperties()).containsEntry("code", "upstream_rate_limited");
		assertThat(output.getAll()).isEmpty();
	}

}
