package io.c2cgateway.system;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;

import static org.assertj.core.api.Assertions.assertThat;

/** The one table from kinds of domain exceptions to HTTP statuses. */
class DomainProblemsTests {

	@Test
	void everyKindOfDomainExceptionHasAStatus() {
		List<Class<?>> kinds = concreteKinds(DomainException.class);
		assertThat(kinds).isNotEmpty();
		assertThat(kinds).allSatisfy((kind) -> assertThat(DomainProblems.knows(kind.asSubclass(DomainException.class)))
			.as(kind.getSimpleName())
			.isTrue());
	}

	@Test
	void eachKindBecomesTheStatusTheContractNames() {
		Map<DomainException, HttpStatus> expected = Map.ofEntries(
				Map.entry(new InvalidRequest("model", "must not be blank"), HttpStatus.BAD_REQUEST),
				Map.entry(new NotAllowed("cross_site_request", "no"), HttpStatus.FORBIDDEN),
				Map.entry(new NotFound("Pairing"), HttpStatus.NOT_FOUND),
				Map.entry(new Conflict("pairing_finished", "done"), HttpStatus.CONFLICT),
				Map.entry(new UnknownReference("unknown_model", "no such model"), HttpStatus.UNPROCESSABLE_CONTENT),
				Map.entry(new LimitReached("too_many_streams", "enough", Duration.ofSeconds(5)), HttpStatus.TOO_MANY_REQUESTS),
				Map.entry(new InternalFailure("failed"), HttpStatus.INTERNAL_SERVER_ERROR),
				Map.entry(new UpstreamRefused("refused", "invalid_client"), HttpStatus.BAD_GATEWAY),
				Map.entry(new UpstreamRateLimited("slow down", Duration.ofSeconds(3)), HttpStatus.SERVICE_UNAVAILABLE),
				Map.entry(new TemporarilyUnavailable("shutting_down", "bye", null), HttpStatus.SERVICE_UNAVAILABLE),
				Map.entry(new UpstreamUnavailable("no answer"), HttpStatus.GATEWAY_TIMEOUT));
		expected.forEach((ex, status) -> assertThat(DomainProblems.statusOf(ex)).as(ex.code()).isEqualTo(status));
		assertThat(expected.keySet()).extracting(Object::getClass)
			.containsExactlyInAnyOrderElementsOf(concreteKinds(DomainException.class));
	}

	@Test
	void aProblemCarriesCodeDetailAndPropertiesButNoStackTrace() {
		UpstreamRefused refused = new UpstreamRefused("Frame.io refused the refresh", "invalid_grant");
		ProblemDetail problem = DomainProblems.problemOf(refused);
		assertThat(problem.getStatus()).isEqualTo(502);
		assertThat(problem.getDetail()).isEqualTo("Frame.io refused the refresh");
		assertThat(problem.getProperties()).containsEntry("code", "upstream_error")
			.containsEntry("upstreamError", "invalid_grant");
		assertThat(refused.getStackTrace()).isEmpty();
		assertThat(DomainProblems.retryAfterSeconds(refused)).isNull();
		assertThat(DomainProblems.retryAfterSeconds(new UpstreamRateLimited("slow", Duration.ofMillis(200)))).isEqualTo(1);
	}

	private static List<Class<?>> concreteKinds(Class<?> type) {
		List<Class<?>> kinds = new ArrayList<>();
		if (type.isSealed()) {
			for (Class<?> permitted : type.getPermittedSubclasses()) {
				kinds.addAll(concreteKinds(permitted));
			}
		}
		else {
			kinds.add(type);
		}
		return kinds;
	}

}
