package dev.berth.api;

import dev.berth.api.http.ApiException;
import dev.berth.api.http.Handler;
import dev.berth.api.http.Router;
import dev.berth.engine.EngineException;
import dev.berth.image.ImageNotFoundException;

/**
 * Registers handlers on the router with the engine's errors mapped to API errors: an {@link EngineException}
 * keeps its status (404, 409, 400, 304), a missing image is a 404, bad input a 400.
 */
final class Routes {
    private final Router router;

    Routes(Router router) {
        this.router = router;
    }

    private static Handler mapped(Handler h) {
        return (q, s) -> {
            try {
                h.handle(q, s);
            } catch (EngineException e) {
                if (e.status() == 304 && !s.committed()) s.empty(304);
                else throw new ApiException(e.status(), ApiException.oneLine(e));
            } catch (dev.berth.network.NetworkException e) {
                throw new ApiException(e.status(), ApiException.oneLine(e));
            } catch (ImageNotFoundException e) {
                throw ApiException.notFound(e.getMessage());
            } catch (IllegalArgumentException e) {
                throw ApiException.badRequest(ApiException.oneLine(e));
            }
        };
    }

    Routes get(String p, Handler h) {
        router.get(p, mapped(h));
        return this;
    }

    Routes post(String p, Handler h) {
        router.post(p, mapped(h));
        return this;
    }

    Routes head(String p, Handler h) {
        router.head(p, mapped(h));
        return this;
    }

    Routes put(String p, Handler h) {
        router.put(p, mapped(h));
        return this;
    }

    Routes delete(String p, Handler h) {
        router.delete(p, mapped(h));
        return this;
    }
}
