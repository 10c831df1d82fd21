import { render } from "preact";
import { Console } from "../console/App.tsx";

render(<Console />, document.getElementById("app") as HTMLElement);
