package dev.flashcopy.tools.cli;

import dev.flashcopy.tools.admin.AdminFile;
import dev.flashcopy.tools.client.AdminClient;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code flashcopy dashboard}: prints the web dashboard's address with the admin token in the URL
 * fragment ({@code #token=...}), which browsers never send to the server, so the token stays out of
 * every request line and log. The server prints the address without the token; only someone who can
 * read {@code admin.json} gets the link. Not thread-safe.
 */
@Command(
        name = "dashboard",
        mixinStandardHelpOptions = true,
        description = {
            "Print the web dashboard's URL with the admin token (after #, so it is never sent to"
                    + " the server or logged). Anyone holding the link can administer the server."
        })
public final class DashboardCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    DataDirOption data;

    @Override
    public Integer call() {
        AdminClient client = AdminClient.forDataDir(data.dataDir());
        client.get("/v1/server"); // the server answers and takes the token: the link will work
        AdminFile admin = client.adminFile();
        var out = spec.commandLine().getOut();
        out.println(admin.url() + "/#token=" + admin.token());
        out.flush();
        return ExitCode.OK.code();
    }
}
