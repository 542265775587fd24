package io.c2cgateway.system;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import jakarta.servlet.http.HttpServletRequest;
import org.apache.tomcat.util.http.InvalidParameterException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.security.web.firewall.RequestRejectedException;
import org.springframework.validation.FieldError;
import org.springframework.web.HttpMediaTypeNotAcceptableException;
import org.springframework.web.HttpMediaTypeNotSupportedException;
import org.springframework.web.HttpRequestMethodNotSupportedException;
import org.springframework.web.bind.MethodArgumentNotValidException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.method.annotation.HandlerMethodValidationException;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;
import org.springframework.web.servlet.resource.NoResourceFoundException;

import tools.jackson.databind.exc.MismatchedInputException;

/** Every failure of the API as an RFC 9457 problem detail with the contract's {@code code}. */
@RestControllerAdvice
class ProblemHandler extends ResponseEntityExceptionHandler {

	private static final Logger log = LoggerFactory.getLogger(ProblemHandler.class);

	@ExceptionHandler(DomainException.class)
	ResponseEntity<ProblemDetail> handleDomain(DomainException ex, HttpServletRequest request) {
		ProblemDetail problem = DomainProblems.problemOf(ex);
		problem.setInstance(java.net.URI.create(request.getRequestURI()));
		ResponseEntity.BodyBuilder response = ResponseEntity.status(problem.getStatus())
			.contentType(MediaType.APPLICATION_PROBLEM_JSON);
		Long retryAfter = DomainProblems.retryAfterSeconds(ex);
		if (retryAfter != null) {
			response.header(HttpHeaders.RETRY_AFTER, Long.toString(retryAfter));
		}
		return response.body(problem);
	}

	/**
	 * Tomcat decodes query (and form) parameters lazily, on the first read, and fails on a broken
	 * percent-encoding, bytes that are not UTF-8, or too many parameters: the client's fault.
	 */
	@ExceptionHandler(InvalidParameterException.class)
	ResponseEntity<ProblemDetail> handleInvalidParameters(InvalidParameterException ex) {
		ProblemDetail problem = (ex.getErrorCode() == HttpStatus.CONTENT_TOO_LARGE.value())
				? Problems.of(HttpStatus.CONTENT_TOO_LARGE, "payload_too_large", "The request has too many parameters")
				: Problems.of(HttpStatus.BAD_REQUEST, "malformed_request",
						"A query parameter is not valid percent-encoded UTF-8");
		return ResponseEntity.status(problem.getStatus()).contentType(MediaType.APPLICATION_PROBLEM_JSON).body(problem);
	}

	/** The request firewall checks header values and parameter names when they are read, here in MVC too. */
	@ExceptionHandler(RequestRejectedException.class)
	ResponseEntity<ProblemDetail> handleRejected(RequestRejectedException ex) {
		return ResponseEntity.badRequest()
			.contentType(MediaType.APPLICATION_PROBLEM_JSON)
			.body(Problems.of(HttpStatus.BAD_REQUEST, "malformed_request",
					"A header or parameter of the request holds characters the gateway does not accept"));
	}

	@ExceptionHandler(Exception.class)
	ResponseEntity<ProblemDetail> handleUnexpected(Exception ex, HttpServletRequest request) {
		if (DatabaseUnavailable.is(ex)) {
			// An outage, not a bug: its cause is known and a trace per request would bury the log.
			log.warn("Database unavailable ({}) on {} {}", ex.getClass().getSimpleName(), request.getMethod(),
					request.getRequestURI());
			return ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE)
				.contentType(MediaType.APPLICATION_PROBLEM_JSON)
				.header(HttpHeaders.RETRY_AFTER, Long.toString(DatabaseUnavailable.RETRY_AFTER.toSeconds()))
				.body(DomainProblems.problemOf(DatabaseUnavailable.refusal()));
		}
		log.error("Unexpected {} on {} {}", ex.getClass().getName(), request.getMethod(), request.getRequestURI(), ex);
		return ResponseEntity.status(HttpStatus.INTERNAL_SERVER_ERROR)
			.contentType(MediaType.APPLICATION_PROBLEM_JSON)
			.body(Problems.of(HttpStatus.INTERNAL_SERVER_ERROR, "internal_error", "The gateway failed to handle the request"));
	}

	@Override
	protected ResponseEntity<Object> handleExceptionInternal(Exception ex, Object body, HttpHeaders headers,
			HttpStatusCode status, WebRequest request) {
		ProblemDetail problem = toProblem(ex, status);
		HttpHeaders problemHeaders = new HttpHeaders();
		problemHeaders.putAll(headers);
		// Set, not negotiated: an Accept header that is junk, or names no JSON, still gets the problem.
		problemHeaders.setContentType(MediaType.APPLICATION_PROBLEM_JSON);
		return new ResponseEntity<>(problem, problemHeaders, HttpStatusCode.valueOf(problem.getStatus()));
	}

	private ProblemDetail toProblem(Exception ex, HttpStatusCode status) {
		if (ex instanceof MethodArgumentNotValidException invalid) {
			List<FieldProblem> errors = new ArrayList<>();
			for (FieldError error : invalid.getBindingResult().getFieldErrors()) {
				errors.add(new FieldProblem(error.getField(), error.getDefaultMessage()));
			}
			invalid.getBindingResult()
				.getGlobalErrors()
				.forEach((error) -> errors.add(new FieldProblem(error.getObjectName(), error.getDefaultMessage())));
			return Problems.of(HttpStatus.BAD_REQUEST, "validation_failed", "The request breaks a rule of the API",
					Map.of("errors", errors));
		}
		if (ex instanceof HandlerMethodValidationException) {
			return Problems.of(HttpStatus.BAD_REQUEST, "validation_failed", "The request breaks a rule of the API",
					Map.of("errors", List.of()));
		}
		if (ex instanceof HttpMessageNotReadableException unreadable) {
			return unreadable(unreadable);
		}
		if (ex instanceof HttpMediaTypeNotSupportedException) {
			return Problems.of(HttpStatus.UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type",
					"Send the body as application/json");
		}
		if (ex instanceof HttpMediaTypeNotAcceptableException) {
			return Problems.of(HttpStatus.NOT_ACCEPTABLE, "not_acceptable", "No acceptable representation");
		}
		if (ex instanceof HttpRequestMethodNotSupportedException) {
			return Problems.of(HttpStatus.METHOD_NOT_ALLOWED, "method_not_allowed",
					"The method is not allowed on this resource");
		}
		if (ex instanceof NoResourceFoundException || status.value() == 404) {
			return Problems.of(HttpStatus.NOT_FOUND, "not_found", "No such resource");
		}
		if (status.is4xxClientError()) {
			return Problems.of(status, "bad_request", "The request cannot be handled");
		}
		return Problems.of(status, "internal_error", "The gateway failed to handle the request");
	}

	private ProblemDetail unreadable(HttpMessageNotReadableException ex) {
		for (Throwable cause = ex; cause != null; cause = cause.getCause()) {
			if (cause instanceof RequestBodyLimitFilter.PayloadTooLargeException) {
				return Problems.of(HttpStatus.CONTENT_TOO_LARGE, "payload_too_large", "The body is larger than 1 MiB");
			}
			if (cause instanceof MismatchedInputException mismatch && !mismatch.getPath().isEmpty()) {
				return Problems.of(HttpStatus.BAD_REQUEST, "validation_failed", "The request breaks a rule of the API",
						Map.of("errors", List.of(new FieldProblem(Problems.pathOf(mismatch), "has the wrong type"))));
			}
		}
		return Problems.of(HttpStatus.BAD_REQUEST, "malformed_request", "The body is not valid JSON");
	}

}
