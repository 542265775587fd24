package io.c2cgateway.system;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.catalina.Container;
import org.apache.catalina.Pipeline;
import org.apache.catalina.Valve;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.core.StandardHost;
import org.apache.catalina.valves.ErrorReportValve;
import org.apache.coyote.ActionCode;
import org.apache.tomcat.util.http.InvalidParameterException;

import org.springframework.boot.tomcat.servlet.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.core.Ordered;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.security.web.firewall.RequestRejectedException;
import org.springframework.stereotype.Component;

import tools.jackson.databind.json.JsonMapper;

/**
 * Requests Tomcat refuses itself, before any filter or controller runs (a {@code %00} in the path,
 * a malformed request line, a header too large, {@code TRACE}), and any error no MVC handler
 * answered ({@code sendError}, an exception out of a filter), answer a problem detail instead of
 * Tomcat's HTML page. Boot's {@code /error} page is switched off (application.yml) so that every
 * such error reaches this valve. Runs after Boot's own customizer, whose plain valve it replaces.
 */
@Component
class TomcatProblemReports implements WebServerFactoryCustomizer<TomcatServletWebServerFactory>, Ordered {

	private final JsonMapper json;

	TomcatProblemReports(JsonMapper json) {
		this.json = json;
	}

	@Override
	public void customize(TomcatServletWebServerFactory factory) {
		factory.addContextCustomizers((context) -> {
			Container host = context.getParent();
			Pipeline pipeline = host.getPipeline();
			for (Valve valve : pipeline.getValves()) {
				if (valve instanceof ErrorReportValve) {
					pipeline.removeValve(valve);
				}
			}
			pipeline.addValve(new ProblemReportValve(this.json));
			if (host instanceof StandardHost standardHost) {
				// The host adds a valve of this class at start unless one is there: ours is.
				standardHost.setErrorReportValveClass(ProblemReportValve.class.getName());
			}
		});
	}

	@Override
	public int getOrder() {
		return Ordered.LOWEST_PRECEDENCE;
	}

	static final class ProblemReportValve extends ErrorReportValve {

		private final JsonMapper json;

		ProblemReportValve(JsonMapper json) {
			this.json = json;
		}

		@Override
		protected void report(Request request, Response response, Throwable throwable) {
			int status = response.getStatus();
			// As Tomcat's own valve: only an error nobody has answered yet, on a connection still usable.
			if (status < 400 || response.getContentWritten() > 0 || !response.setErrorReported()) {
				return;
			}
			AtomicBoolean ioAllowed = new AtomicBoolean(true);
			response.getCoyoteResponse().action(ActionCode.IS_IO_ALLOWED, ioAllowed);
			if (!ioAllowed.get()) {
				return;
			}
			try {
				ProblemDetail problem = problemFor(status, throwable);
				response.setStatus(problem.getStatus());
				response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
				response.setCharacterEncoding("UTF-8");
				PrintWriter writer = response.getReporter();
				if (writer != null) {
					writer.write(this.json.writeValueAsString(problem));
					response.finishResponse();
				}
			}
			catch (IOException | IllegalStateException ex) {
				// The client is gone or the response is closed: nothing left to tell it.
			}
		}

		static ProblemDetail problemFor(int status, Throwable throwable) {
			for (Throwable cause = throwable; cause != null; cause = cause.getCause()) {
				// Thrown where no MVC handler catches it (a filter reading a header or parameter): the client's fault.
				if (cause instanceof InvalidParameterException || cause instanceof RequestRejectedException) {
					return Problems.of(HttpStatusCode.valueOf(400), "malformed_request",
							"A header or parameter of the request cannot be decoded or is not accepted");
				}
			}
			HttpStatusCode code = HttpStatusCode.valueOf(status);
			return switch (status) {
				case 400 -> Problems.of(code, "malformed_request", "The request is not valid HTTP or its URL cannot be decoded");
				case 404 -> Problems.of(code, "not_found", "No such resource");
				case 405 -> Problems.of(code, "method_not_allowed", "The method is not allowed on this resource");
				case 413 -> Problems.of(code, "payload_too_large", "The request is too large");
				case 414, 431 -> Problems.of(code, "request_too_large", "The request line or headers are too large");
				default -> (status < 500) ? Problems.of(code, "bad_request", "The request cannot be handled")
						: Problems.of(code, "internal_error", "The gateway failed to handle the request");
			};
		}

	}

}
