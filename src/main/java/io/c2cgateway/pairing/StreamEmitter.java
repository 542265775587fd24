package io.c2cgateway.pairing;

import java.util.concurrent.atomic.AtomicBoolean;

import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/**
 * An emitter that can be completed without waiting: the lock it guards writes with is held
 * for the whole of a send, so a send blocked by its client would hold {@link #complete()} too.
 */
final class StreamEmitter extends SseEmitter {

	private final AtomicBoolean done = new AtomicBoolean();

	StreamEmitter(long timeout) {
		super(timeout);
	}

	/** Completes the response unless another thread writes it right now; false then. */
	boolean completeIfIdle() {
		if (!this.writeLock.tryLock()) {
			return false;
		}
		try {
			completeOnce();
			return true;
		}
		finally {
			this.writeLock.unlock();
		}
	}

	/** Completes the response; waits only for a holder of the lock that is not a send. */
	void completeOnce() {
		if (this.done.compareAndSet(false, true)) {
			complete();
		}
	}

	/** The container ends the response itself (a send failed, or it completed it already). */
	void failed() {
		this.done.set(true);
	}

}
