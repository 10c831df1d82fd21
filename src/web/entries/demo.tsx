import { render } from "preact";
import { Demo } from "../demo/App.tsx";

render(<Demo />, document.getElementById("app") as HTMLElement);
