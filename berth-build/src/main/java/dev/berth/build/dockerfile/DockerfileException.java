package dev.berth.build.dockerfile;

/**
 * A Dockerfile that cannot be parsed or expanded. The message names the file and the line the instruction starts
 * on, as {@code Dockerfile:3: unknown instruction: RUNN}; a problem with the whole file has no line
 * ({@code Dockerfile: file has no instructions}).
 */
public class DockerfileException extends IllegalArgumentException {
    private final String fileName;
    private final int line;
    private final String problem;

    /**
     * @param fileName the name the file was parsed under ("Dockerfile", "build/Dockerfile.dev")
     * @param line     1-based line the instruction starts on, or 0 for the whole file
     * @param problem  what is wrong, lower case, naming the value involved
     */
    public DockerfileException(String fileName, int line, String problem) {
        super(fileName + ":" + (line > 0 ? line + ":" : "") + " " + problem);
        this.fileName = fileName;
        this.line = line;
        this.problem = problem;
    }

    public String fileName() {
        return fileName;
    }

    /** 1-based line of the instruction, 0 when the problem is the whole file. */
    public int line() {
        return line;
    }

    /** The message without the file and line. */
    public String problem() {
        return problem;
    }
}
