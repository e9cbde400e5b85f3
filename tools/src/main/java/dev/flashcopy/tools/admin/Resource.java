package dev.flashcopy.tools.admin;

import java.util.List;

/**
 * One kind of thing the API manages (volumes, the server, later FlashCopy relationships), as the
 * routes that read and change it. Implementations must be thread-safe: the operations executor
 * may run several requests at once.
 */
public interface Resource {
    List<Route> routes();
}
